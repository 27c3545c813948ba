# Sourced by redis-start.sh, redis-stop.sh and ./factory: where the checkout's Redis keeps its data
# and credentials, and the PF_REDIS_URL that carries them. Never prints a password.
#   .data/credentials/            mode 0700, owned by whoever runs ./factory
#     redis-<port>.password       the `pf` ACL user's password (what the services and tests use), 0600
#     redis-<port>-admin.password the `pf-admin` user's (these scripts only: ACL LOAD, CONFIG SET), 0600
#   .data/redis-<port>/           the server's dir (AOF, dump.rdb, users.acl, log, pid), 0700, owned by
#                                 the user redis-server runs as (`redis` when started by root)

# pf_redis_credentials_dir <root>
pf_redis_credentials_dir() { printf '%s\n' "$1/.data/credentials"; }

# pf_redis_password_file <root> <port> [admin]
pf_redis_password_file() {
  printf '%s/redis-%s%s.password\n' "$(pf_redis_credentials_dir "$1")" "$2" "${3:+-$3}"
}

# pf_redis_data_dir <root> <port>: .data/redis-<port>, unless redis-server runs as `redis` (started by
# root) and cannot reach it (a parent folder closed to others, e.g. /root): then a folder under
# /var/lib/patch-factory named after the checkout.
pf_redis_data_dir() {
  local root=$1 port=$2
  if [ "$(id -u)" -eq 0 ] && [ -d "$root/.data" ] && ! pf_redis_as_server_user test -x "$root/.data" 2>/dev/null; then
    printf '/var/lib/patch-factory/%s/redis-%s\n' "$(printf '%s' "$root" | sha256sum | cut -c1-12)" "$port"
  else
    printf '%s/.data/redis-%s\n' "$root" "$port"
  fi
}

# pf_redis_server_user: the account redis-server runs as: `redis` (made by Debian's redis-server
# package) when started by root, else the caller (who is not root).
pf_redis_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    id -u redis >/dev/null 2>&1 || { echo "redis: there is no 'redis' user to run redis-server as (Debian's redis-server package makes it)" >&2; return 1; }
    echo redis
  else
    id -un
  fi
}

# pf_redis_as_server_user <command...>: runs a command as that account (root drops to it).
pf_redis_as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=redis --regid=redis --init-groups --inh-caps=-all -- "$@"
  else
    "$@"
  fi
}

# pf_redis_ensure_credentials <root> <port>: makes the two passwords at first start (256 random bits,
# hex, so that they need no escaping in a URL), in a 0700 folder, files 0600.
pf_redis_ensure_credentials() {
  local dir file who
  dir=$(pf_redis_credentials_dir "$1")
  mkdir -p "$1/.data" && (umask 077 && mkdir -p "$dir") && chmod 700 "$dir" || return 1
  for who in "" admin; do
    file=$(pf_redis_password_file "$1" "$2" "$who")
    if [ ! -s "$file" ]; then
      (umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$file.tmp" && mv "$file.tmp" "$file") || return 1
    fi
    chmod 600 "$file" || return 1
  done
}

# pf_redis_url <root> <port>: redis://pf:<password>@127.0.0.1:<port> (for PF_REDIS_URL; do not echo it).
pf_redis_url() {
  local file
  file=$(pf_redis_password_file "$1" "$2")
  [ -s "$file" ] || { echo "redis: no credentials in $file: run infra/scripts/redis-start.sh" >&2; return 1; }
  printf 'redis://pf:%s@127.0.0.1:%s\n' "$(cat "$file")" "$2"
}
