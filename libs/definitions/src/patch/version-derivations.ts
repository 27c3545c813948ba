/**
 * The versions a definition derives from a package or release version, by kind:
 * `core` (the upstream version without epoch, packaging revision or build metadata:
 * `1:2.3.4-1+deb13u1` → `2.3.4`, `8.3.32-r0` → `8.3.32`) and each shorter dotted
 * prefix of it (`p1` = `8`, `p2` = `8.3`, …). A definition's `SEMVER_VERSION`,
 * `SEMVER_MAJOR_MINOR_VERSION` and the tags built from them hold such values.
 */
export function versionDerivations(version: string): Map<string, string> {
  const out = new Map<string, string>();
  const core = upstreamCore(version);
  if (!/^\d+(\.\d+)+$/.test(core)) return out;
  out.set('core', core);
  const parts = core.split('.');
  for (let n = 1; n < parts.length; n++) out.set(`p${n}`, parts.slice(0, n).join('.'));
  return out;
}

function upstreamCore(version: string): string {
  let v = version.replace(/^\d+:/, '');
  v = v.replace(/\+.*$/, '');
  if (/-r\d+$/.test(v)) return v.replace(/-r\d+$/, '');
  return v.replace(/-[0-9][^-]*$/, '');
}
