#!/usr/bin/env bash
# Starts Debian's redis-server on 127.0.0.1:${PF_REDIS_PORT:-6379} with infra/redis.conf,
# unless a Redis already answers there. Installs the redis-server package when missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
port=${PF_REDIS_PORT:-6379}
data="$root/.data/redis-$port"  # one directory per port: two servers never share an AOF

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "redis-start: installing Debian's redis-server" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >&2
fi

# The persistence infra/redis.conf asks for (issue 13: acknowledged means durable); services
# refuse a server with less unless PF_REDIS_ALLOW_NO_AOF=true.
want_aof=$(awk '$1=="appendonly"{print $2}' "$root/infra/redis.conf")
want_fsync=$(awk '$1=="appendfsync"{print $2}' "$root/infra/redis.conf")

if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" = "PONG" ]; then
  echo "redis-start: a Redis already answers on 127.0.0.1:$port" >&2
  # A server started before infra/redis.conf changed (or by hand) keeps its old persistence:
  # bring it to the configuration's (CONFIG SET; a rewrite of the AOF starts when it was off).
  aof=$(redis-cli -h 127.0.0.1 -p "$port" config get appendonly 2>/dev/null | sed -n 2p || true)
  fsync=$(redis-cli -h 127.0.0.1 -p "$port" config get appendfsync 2>/dev/null | sed -n 2p || true)
  if [ -n "$fsync" ] && { [ "$aof" != "$want_aof" ] || [ "$fsync" != "$want_fsync" ]; }; then
    if redis-cli -h 127.0.0.1 -p "$port" config set appendonly "$want_aof" | grep -qx OK &&
      redis-cli -h 127.0.0.1 -p "$port" config set appendfsync "$want_fsync" | grep -qx OK; then
      echo "redis-start: set appendonly $want_aof, appendfsync $want_fsync (was $aof, $fsync) as infra/redis.conf says" >&2
    else
      echo "redis-start: WARNING: could not set appendonly $want_aof / appendfsync $want_fsync on 127.0.0.1:$port (now $aof, $fsync); services will refuse it unless PF_REDIS_ALLOW_NO_AOF=true" >&2
    fi
  fi
  exit 0
fi

mkdir -p "$data"
redis-server "$root/infra/redis.conf" --port "$port" --dir "$data" \
  --pidfile "$data/redis-$port.pid" --logfile "$data/redis-$port.log"
for _ in $(seq 1 100); do
  [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null || true)" = "PONG" ] && { echo "redis-start: Redis is up on 127.0.0.1:$port" >&2; exit 0; }
  sleep 0.1
done
echo "redis-start: Redis did not answer on 127.0.0.1:$port within 10 s; see $data/redis-$port.log" >&2
exit 1
