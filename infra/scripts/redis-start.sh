#!/usr/bin/env bash
# Starts Debian's redis-server on 127.0.0.1:${PF_REDIS_PORT:-6379} with infra/redis.conf, unless this
# checkout's Redis already answers there. Installs the redis-server package when missing.
# Security (issue 14):
# - ACL users from .data/redis-<port>/users.acl (rewritten at every start, password hashes only):
#   `default` off, so a client without the password is refused (NOAUTH); `pf` for the services and
#   tests (PF_REDIS_URL, see redis-credentials.sh), without the commands no service needs; `pf-admin`
#   for these scripts. Passwords are made at first start under .data/credentials (0700, files 0600).
# - Started by root, redis-server runs as the `redis` user; its folder is 0700, its files 0600.
# - A Redis that answers without a password (an earlier run of this script) is shut down (it saves)
#   and started again with the ACL, on the same data.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
port=${PF_REDIS_PORT:-6379}
[[ "$port" =~ ^[0-9]{1,5}$ ]] || { echo "redis-start: PF_REDIS_PORT must be a port number" >&2; exit 2; }
# shellcheck source=infra/scripts/redis-credentials.sh
source "$root/infra/scripts/redis-credentials.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "redis-start: installing Debian's redis-server" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >&2
fi

server_user=$(pf_redis_server_user)
pf_redis_ensure_credentials "$root" "$port"
pf_password=$(cat "$(pf_redis_password_file "$root" "$port")")
admin_password=$(cat "$(pf_redis_password_file "$root" "$port" admin)")
mkdir -p "$root/.data"
# redis-server (as `redis`) must be able to pass through .data to its own folder; nothing is listed.
[ "$(id -u)" -ne 0 ] || chmod o+x "$root/.data"
data=$(pf_redis_data_dir "$root" "$port")  # one directory per port: two servers never share an AOF

# Passwords travel in REDISCLI_AUTH (never on a command line, which any local user can read).
anon() { redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1; }
admin() { REDISCLI_AUTH="$admin_password" redis-cli --user pf-admin -h 127.0.0.1 -p "$port" "$@" 2>&1; }

# The ACL. `pf` gets every key and channel and every command but the @dangerous ones (FLUSHALL,
# FLUSHDB, DEBUG, SHUTDOWN, CONFIG SET/REWRITE, KEYS, MONITOR, ACL changes, SAVE/BGSAVE, CLIENT
# KILL/LIST/PAUSE, MIGRATE/RESTORE, REPLICAOF, MODULE...), except three that the services and
# BullMQ need: INFO (ioredis' ready check, BullMQ's version check, the boot check's AOF and
# maxmemory-policy, memory in health), CONFIG GET (the boot check's appendfsync; INFO does not show
# it). CLIENT SETNAME (connection names) is not @dangerous. FUNCTION and SCRIPT FLUSH/KILL are denied
# too: BullMQ runs EVALSHA/EVAL only. Tests that stop, flush or reconfigure a Redis use servers of
# their own (libs/testing startRedisServer), never this one.
write_acl() {
  local pf_hash admin_hash
  pf_hash=$(printf '%s' "$pf_password" | sha256sum | cut -d' ' -f1)
  admin_hash=$(printf '%s' "$admin_password" | sha256sum | cut -d' ' -f1)
  (umask 077 && cat >"$data/users.acl.tmp" <<EOF
user default off resetpass resetkeys resetchannels -@all
user pf on resetpass #$pf_hash ~* &* +@all -@dangerous +info +config|get -function -script|flush -script|kill
user pf-admin on resetpass #$admin_hash ~* &* +@all
EOF
  )
  mv "$data/users.acl.tmp" "$data/users.acl"
}

# The folder and every file in it: the server's account, 0700 / 0600 (dump.rdb was 0644 before).
lock_down() {
  [ "$(id -u)" -ne 0 ] || chown -R "$server_user:" "$data"
  chmod 700 "$data"
  find "$data" -mindepth 1 -type d -exec chmod 700 {} + -o -type f -exec chmod 600 {} +
}

# The persistence infra/redis.conf asks for (issue 13: acknowledged means durable); services
# refuse a server with less unless PF_REDIS_ALLOW_NO_AOF=true.
want_aof=$(awk '$1=="appendonly"{print $2}' "$root/infra/redis.conf")
want_fsync=$(awk '$1=="appendfsync"{print $2}' "$root/infra/redis.conf")
# The memory cap (issue 14): infra/redis.conf's maxmemory, or PF_REDIS_MAXMEMORY (bytes, or 512mb, 4gb…).
want_maxmemory=${PF_REDIS_MAXMEMORY:-$(awk '$1=="maxmemory"{print $2}' "$root/infra/redis.conf")}
[[ "$want_maxmemory" =~ ^[0-9]+([kKmMgG][bB]?)?$ ]] || { echo "redis-start: PF_REDIS_MAXMEMORY must be a size such as 2gb or 536870912" >&2; exit 2; }

wait_gone() {
  for _ in $(seq 1 100); do
    case "$(anon ping || true)" in *"Could not connect"* | *"Connection refused"*) return 0 ;; esac
    sleep 0.1
  done
  echo "redis-start: the Redis on 127.0.0.1:$port did not stop within 10 s" >&2
  return 1
}

answer=$(anon ping || true)
if [ "$answer" = "PONG" ]; then
  # No password: a Redis from before the ACL (or started by hand). SHUTDOWN saves it; then it starts
  # again below, on the same data, with the ACL.
  echo "redis-start: the Redis on 127.0.0.1:$port answers without a password: restarting it with the ACL" >&2
  anon shutdown >/dev/null || true
  wait_gone
elif [ "$(admin ping || true)" = "PONG" ]; then
  echo "redis-start: this checkout's Redis already answers on 127.0.0.1:$port" >&2
  # Rules changed since it started: load them (the file is rewritten from this script).
  write_acl
  lock_down
  admin acl load | grep -qx OK || { echo "redis-start: ACL LOAD failed on 127.0.0.1:$port" >&2; exit 1; }
  # A server started before infra/redis.conf changed keeps its old persistence: bring it to the
  # configuration's (CONFIG SET; a rewrite of the AOF starts when it was off).
  aof=$(admin config get appendonly | sed -n 2p || true)
  fsync=$(admin config get appendfsync | sed -n 2p || true)
  if [ -n "$fsync" ] && { [ "$aof" != "$want_aof" ] || [ "$fsync" != "$want_fsync" ]; }; then
    if admin config set appendonly "$want_aof" | grep -qx OK && admin config set appendfsync "$want_fsync" | grep -qx OK; then
      echo "redis-start: set appendonly $want_aof, appendfsync $want_fsync (was $aof, $fsync) as infra/redis.conf says" >&2
    else
      echo "redis-start: WARNING: could not set appendonly $want_aof / appendfsync $want_fsync on 127.0.0.1:$port (now $aof, $fsync); services will refuse it unless PF_REDIS_ALLOW_NO_AOF=true" >&2
    fi
  fi
  admin config set maxmemory "$want_maxmemory" | grep -qx OK || echo "redis-start: WARNING: could not set maxmemory $want_maxmemory on 127.0.0.1:$port" >&2
  exit 0
elif [[ "$answer" != *"Could not connect"* && "$answer" != *"Connection refused"* ]]; then
  # A Redis that wants a password this checkout does not have: ours (the credentials were removed),
  # or the one this script started for another checkout (an earlier CI job's clone: its folder is
  # .../.data/redis-<port> or /var/lib/patch-factory/…/redis-<port>) is stopped (SIGTERM: it saves)
  # and this checkout's started; any other Redis is left alone.
  pid=$(cat "$data/redis-$port.pid" 2>/dev/null || true)
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" != redis-server ]; then
    pid=$(ss -ltnpH "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
    cwd=$(readlink "/proc/${pid:-0}/cwd" 2>/dev/null || true)
    if [ "$(cat "/proc/${pid:-0}/comm" 2>/dev/null || true)" != redis-server ] ||
      ! [[ "$cwd" == */.data/redis-"$port" || "$cwd" == /var/lib/patch-factory/*/redis-"$port" ]]; then
      echo "redis-start: a Redis that this checkout has no password for answers on 127.0.0.1:$port; stop it or set PF_REDIS_PORT" >&2
      exit 1
    fi
  fi
  echo "redis-start: the patch-factory Redis on 127.0.0.1:$port does not know this checkout's credentials: restarting it as this checkout's" >&2
  kill -TERM "$pid"
  wait_gone
fi

mkdir -p "$data"
write_acl
lock_down
# umask 077: the AOF, dump.rdb and log the server creates are 0600. The configuration comes on
# stdin (`-`): the checkout may be closed to the `redis` user (e.g. under /root).
(umask 077 && pf_redis_as_server_user redis-server - --port "$port" --dir "$data" \
  --aclfile "$data/users.acl" --pidfile "$data/redis-$port.pid" --logfile "$data/redis-$port.log" --maxmemory "$want_maxmemory" <"$root/infra/redis.conf")
for _ in $(seq 1 100); do
  [ "$(admin ping || true)" = "PONG" ] && { echo "redis-start: Redis is up on 127.0.0.1:$port (as $server_user; ACL user pf, password in .data/credentials)" >&2; exit 0; }
  sleep 0.1
done
echo "redis-start: Redis did not answer on 127.0.0.1:$port within 10 s; see $data/redis-$port.log" >&2
exit 1
