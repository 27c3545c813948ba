import { purlEncode } from '@patch-factory/contracts';

/** Qualifiers sorted by key, empty values dropped, values percent-encoded. */
function qualifiers(q: Record<string, string | undefined>): string {
  const pairs = Object.entries(q)
    .filter((kv): kv is [string, string] => kv[1] !== undefined && kv[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${purlEncode(v)}`);
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}

/** `pkg:deb/<vendor>/<name>@<version>?arch=<arch>&distro=<distro>`. */
export function debPurl(vendor: string, name: string, version: string, q: { arch?: string; distro?: string }): string {
  return `pkg:deb/${purlEncode(vendor)}/${purlEncode(name)}@${purlEncode(version)}${qualifiers(q)}`;
}

/** `pkg:apk/<vendor>/<name>@<version>?arch=<arch>&distro=<distro>` (purl-spec's apk type; the name lowercased, as it requires). */
export function apkPurl(vendor: string, name: string, version: string, q: { arch?: string; distro?: string }): string {
  return `pkg:apk/${purlEncode(vendor.toLowerCase())}/${purlEncode(name.toLowerCase())}@${purlEncode(version)}${qualifiers(q)}`;
}

/** `pkg:oci/<name>@<digest>?arch=<arch>&repository_url=<host/path>&tag=<tag>`: name is the last segment of the repository path, lowercased. */
export function ociPurl(
  repository: string,
  digest: string,
  q: { arch?: string; repository_url?: string | undefined; tag?: string | undefined },
): string {
  const name = (repository.split('/').pop() ?? repository).toLowerCase();
  return `pkg:oci/${purlEncode(name)}@${purlEncode(digest)}${qualifiers(q)}`;
}
