#!/usr/bin/env bash
# Installs the Debian tools the factory and its tests run, when one is missing:
# git (the catalog), gpg/gpgv (signed APT repositories), dpkg-deb (fixture packages),
# xz and lz4 (compressed Packages indexes), docker-registry and skopeo (a real OCI registry
# and an independent client for the oci tests), openssl (the registry's token-auth certificate),
# bubblewrap (the build-step sandbox), umoci (an independent reader of built images),
# buildah (definitions written as Dockerfiles; the builder runs it with vfs storage and chroot
# isolation inside `unshare`, so no container engine, OCI runtime or overlay is needed) and
# capsh from libcap2-bin (the chroot fallback of the build-step sandbox drops capabilities with it),
# htpasswd from apache2-utils (the bcrypt credentials of the local registry:
# infra/scripts/local-publishing.sh).
# Also this machine's APT lists (/var/lib/apt/lists/*_Packages*, or apt's Dir::State::Lists, which apt keeps lz4-compressed
# under Acquire::GzipIndexes): the real Debian 12 index the resolver and version-compare tests
# read. The tests fail, not skip, when a tool or the lists are missing.
# Idempotent and quick when everything is there; apt-get update runs once, only if needed.
set -euo pipefail
declare -A pkg=([git]=git [gpg]=gpg [gpgv]=gpgv [dpkg-deb]=dpkg [xz]=xz-utils [lz4]=lz4 [docker-registry]=docker-registry [skopeo]=skopeo [openssl]=openssl [bwrap]=bubblewrap [umoci]=umoci [buildah]=buildah [unshare]=util-linux [capsh]=libcap2-bin [htpasswd]=apache2-utils)
lists=/var/lib/apt/lists
eval "$(apt-config shell lists Dir::State::Lists/d)"
missing=()
for bin in "${!pkg[@]}"; do
  command -v "$bin" >/dev/null || missing+=("${pkg[$bin]}")
done
have_lists() { compgen -G "$lists/*_Packages*" >/dev/null; }
[ ${#missing[@]} -eq 0 ] && have_lists && exit 0
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "ensure-tools: apt-get update${missing[*]:+, then installing ${missing[*]}}" >&2
$sudo apt-get update -qq >&2
have_lists || { echo "ensure-tools: apt-get update left no Packages list in $lists (check /etc/apt/sources.list*)" >&2; exit 1; }
[ ${#missing[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
