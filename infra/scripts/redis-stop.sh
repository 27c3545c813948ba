#!/usr/bin/env bash
# Stops the Redis that redis-start.sh started for this checkout (saving its data).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
port=${PF_REDIS_PORT:-6379}
pidfile="$root/.data/redis-$port/redis-$port.pid"
[ -f "$pidfile" ] || { echo "redis-stop: no Redis started from this checkout on port $port" >&2; exit 0; }
redis-cli -h 127.0.0.1 -p "$port" shutdown >/dev/null 2>&1 || true
