# Sourced by `./factory start`: what the sign, publish and promote stages need, for a local factory.
# - PF_REGISTRY_URL unset: Debian's docker-registry on 127.0.0.1:${PF_LOCAL_REGISTRY_PORT:-5000},
#   storing under .data/registry (started unless something answers there already).
# - PF_SIGNING_KEY unset: a development key, .data/signing/cosign.key (ECDSA P-256, mode 0600, made
#   once; its public key beside it, for `patch-factory verify`). Production sets its own key.
# Exports the two variables for the service it starts; prints what it did on stderr.
pf_local_publishing() {
  local root=$1
  if [ -z "${PF_REGISTRY_URL:-}" ]; then
    local port=${PF_LOCAL_REGISTRY_PORT:-5000}
    [[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "factory: PF_LOCAL_REGISTRY_PORT must be a port number" >&2; return 2; }
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null || true)
    if [ "$code" != 200 ] && [ "$code" != 401 ]; then
      bash "$root/infra/scripts/registry-start.sh" "$root/.data/registry" "$port" >/dev/null || return 1
      echo "factory: started a local registry on 127.0.0.1:$port (.data/registry)" >&2
    fi
    export PF_REGISTRY_URL="http://127.0.0.1:$port"
  fi
  if [ -z "${PF_SIGNING_KEY:-}" ]; then
    local dir="$root/.data/signing"
    if [ ! -f "$dir/cosign.key" ]; then
      mkdir -p "$dir" && chmod 700 "$dir" || return 1
      (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/cosign.key") || return 1
      openssl pkey -in "$dir/cosign.key" -pubout -out "$dir/cosign.pub" || return 1
    fi
    export PF_SIGNING_KEY="file://$dir/cosign.key"
    echo "factory: signing with the local development key .data/signing/cosign.key (verify with .data/signing/cosign.pub); set PF_SIGNING_KEY for your own" >&2
  fi
}
