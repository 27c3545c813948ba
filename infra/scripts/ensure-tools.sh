#!/usr/bin/env bash
# Installs the Debian tools the factory and its tests run, when one is missing:
# git (the catalog), gpg/gpgv (signed APT repositories), dpkg-deb (fixture packages),
# xz and lz4 (compressed Packages indexes), docker-registry and skopeo (a real OCI registry
# and an independent client for the oci tests), openssl (the registry's token-auth certificate),
# bubblewrap (the build-step sandbox), umoci (an independent reader of built images),
# buildah (definitions written as Dockerfiles) and htpasswd from apache2-utils (the bcrypt
# credentials of the local registry: infra/scripts/local-publishing.sh).
# Idempotent; apt-get update runs once, only if needed.
set -euo pipefail
declare -A pkg=([git]=git [gpg]=gpg [gpgv]=gpgv [dpkg-deb]=dpkg [xz]=xz-utils [lz4]=lz4 [docker-registry]=docker-registry [skopeo]=skopeo [openssl]=openssl [bwrap]=bubblewrap [umoci]=umoci [buildah]=buildah [htpasswd]=apache2-utils)
missing=()
for bin in "${!pkg[@]}"; do
  command -v "$bin" >/dev/null || missing+=("${pkg[$bin]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ensure-tools: installing ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
