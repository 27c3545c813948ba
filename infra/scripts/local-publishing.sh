# Sourced by `./factory start`: what the sign, publish and promote stages need, for a local factory.
# - PF_REGISTRY_URL unset: Debian's docker-registry on 127.0.0.1:${PF_LOCAL_REGISTRY_PORT:-5000},
#   storing under .data/registry (PF_LOCAL_REGISTRY_DIR), with Basic auth (issue 14: no anonymous
#   push, tag rewrite or delete): user `pf`, a random password made at first start in
#   .data/registry/auth/password (0600; the folder 0700) and its bcrypt line in auth/htpasswd,
#   exported as PF_REGISTRY_USERNAME / PF_REGISTRY_PASSWORD. A registry of an earlier run that
#   answers without credentials, or does not take these, is restarted (from its pid file).
# - PF_SIGNING_KEY unset: a development key, .data/signing/cosign.key (ECDSA P-256, mode 0600, made
#   once; its public key beside it, for `patch-factory verify`). Production sets its own key.
# Exports the variables for the service it starts; prints what it did on stderr (never a password).
pf_local_publishing() {
  local root=$1
  if [ -z "${PF_REGISTRY_URL:-}" ]; then
    pf_local_registry "$root" || return 1
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

# The local registry with Basic auth (see above); exports PF_REGISTRY_URL and its credentials.
pf_local_registry() {
  local root=$1
  local port=${PF_LOCAL_REGISTRY_PORT:-5000}
  local dir=${PF_LOCAL_REGISTRY_DIR:-$root/.data/registry}
  [[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "factory: PF_LOCAL_REGISTRY_PORT must be a port number" >&2; return 2; }
  command -v htpasswd >/dev/null || { echo "factory: htpasswd is missing: run infra/scripts/ensure-tools.sh" >&2; return 1; }
  local auth="$dir/auth" password
  (umask 077 && mkdir -p "$auth") && chmod 700 "$auth" || return 1
  if [ ! -s "$auth/password" ] || [ ! -s "$auth/htpasswd" ]; then
    # 256 random bits: bcrypt's cost adds nothing against guessing, and the registry checks it on
    # every request, so the cost stays low (5).
    (umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$auth/password.tmp") || return 1
    (umask 077 && htpasswd -iBC 5 -c "$auth/htpasswd.tmp" pf <"$auth/password.tmp" 2>/dev/null) || return 1
    mv "$auth/htpasswd.tmp" "$auth/htpasswd" && mv "$auth/password.tmp" "$auth/password" || return 1
  fi
  chmod 600 "$auth/password" "$auth/htpasswd" || return 1
  password=$(cat "$auth/password")

  local anonymous credentialed
  anonymous=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null || true)
  credentialed=$(curl -s -o /dev/null -w '%{http_code}' -K - <<<"user = \"pf:$password\"" "http://127.0.0.1:$port/v2/" 2>/dev/null || true)
  if [ "$anonymous" = 401 ] && [ "$credentialed" = 200 ]; then
    : # this checkout's registry, with these credentials
  else
    if [ "$anonymous" = 200 ] || [ "$anonymous" = 401 ]; then
      # Open to anyone (an earlier run), or other credentials: restart it if it is ours.
      local pid
      pid=$(cat "$dir/registry.pid" 2>/dev/null || true)
      if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = docker-registry ]; then
        kill -TERM "$pid"
        local i
        for i in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        echo "factory: restarting the local registry on 127.0.0.1:$port with Basic auth" >&2
      else
        echo "factory: a registry this checkout did not start answers on 127.0.0.1:$port without taking its credentials; stop it, or set PF_LOCAL_REGISTRY_PORT or PF_REGISTRY_URL" >&2
        return 1
      fi
    fi
    PF_REGISTRY_HTPASSWD="$auth/htpasswd" bash "$root/infra/scripts/registry-start.sh" "$dir" "$port" >/dev/null || return 1
    echo "factory: started a local registry on 127.0.0.1:$port ($dir), Basic auth user pf (password in $auth/password)" >&2
  fi
  export PF_REGISTRY_URL="http://127.0.0.1:$port"
  if [ -z "${PF_REGISTRY_USERNAME:-}" ] && [ -z "${PF_REGISTRY_PASSWORD:-}" ]; then
    export PF_REGISTRY_USERNAME=pf PF_REGISTRY_PASSWORD="$password"
  fi
}
