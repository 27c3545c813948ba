#!/usr/bin/env bash
# Starts Debian's docker-registry on 127.0.0.1:<port> with infra/registry.yml (or the file in
# PF_REGISTRY_CONFIG), storing under <data-dir>, and waits until /v2/ answers (200, or 401 when
# the config asks for auth). Prints the registry's pid; stop it with `kill <pid>`.
# Its log is <data-dir>/registry.log. Usage: registry-start.sh <data-dir> <port>
# (run infra/scripts/ensure-tools.sh first when docker-registry is missing).
# PF_REGISTRY_HTPASSWD=<file>: Basic auth (bcrypt htpasswd) on every request, so that nobody without
# the credentials pushes, rewrites a tag or deletes (issue 14; local-publishing.sh sets it).
# Test registries (libs/testing startRegistry) leave it unset: anonymous, on a port of their own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
data=${1:?usage: registry-start.sh <data-dir> <port>}
port=${2:?usage: registry-start.sh <data-dir> <port>}
config=${PF_REGISTRY_CONFIG:-$root/infra/registry.yml}
[[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "registry-start: port must be a number" >&2; exit 2; }
command -v docker-registry >/dev/null || { echo "registry-start: docker-registry is missing: run infra/scripts/ensure-tools.sh" >&2; exit 1; }

auth=()
if [ -n "${PF_REGISTRY_HTPASSWD:-}" ]; then
  [ -s "$PF_REGISTRY_HTPASSWD" ] || { echo "registry-start: PF_REGISTRY_HTPASSWD names no htpasswd file" >&2; exit 2; }
  auth=(REGISTRY_AUTH=htpasswd REGISTRY_AUTH_HTPASSWD_REALM=patch-factory "REGISTRY_AUTH_HTPASSWD_PATH=$PF_REGISTRY_HTPASSWD")
fi

mkdir -p "$data/storage"
env "${auth[@]}" REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="$data/storage" REGISTRY_HTTP_ADDR="127.0.0.1:$port" \
  nohup docker-registry serve "$config" >"$data/registry.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$data/registry.pid"
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" 2>/dev/null || true)
  if [ "$code" = "200" ] || [ "$code" = "401" ]; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "registry-start: docker-registry exited; see $data/registry.log" >&2; tail -5 "$data/registry.log" >&2; exit 1; }
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
echo "registry-start: docker-registry did not answer on 127.0.0.1:$port within 10 s; see $data/registry.log" >&2
exit 1
