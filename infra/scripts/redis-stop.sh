#!/usr/bin/env bash
# Stops the Redis that redis-start.sh started for this checkout (saving its data): SIGTERM to the pid
# in its pid file, which Redis handles as SHUTDOWN (the `pf` user may not send SHUTDOWN itself).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
port=${PF_REDIS_PORT:-6379}
[[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "redis-stop: PF_REDIS_PORT must be a port number" >&2; exit 2; }
# shellcheck source=infra/scripts/redis-credentials.sh
source "$root/infra/scripts/redis-credentials.sh"
pidfile="$(pf_redis_data_dir "$root" "$port")/redis-$port.pid"
[ -f "$pidfile" ] || { echo "redis-stop: no Redis started from this checkout on port $port" >&2; exit 0; }
pid=$(cat "$pidfile")
if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != redis-server ]; then
  echo "redis-stop: the Redis of $pidfile is not running" >&2
  exit 0
fi
kill -TERM "$pid"
for _ in $(seq 1 100); do
  [ -d "/proc/$pid" ] || exit 0
  sleep 0.1
done
echo "redis-stop: Redis (pid $pid) did not stop within 10 s" >&2
exit 1
