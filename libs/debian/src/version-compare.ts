/**
 * Debian version comparison, as `dpkg --compare-versions` does it (deb-version(7)):
 * `[epoch:]upstream[-revision]`; epochs compare as numbers, then upstream and revision
 * with dpkg's verrevcmp: runs of non-digits by character order (letters before
 * non-letters, `~` before everything, even the end), runs of digits as numbers.
 * Returns < 0, 0 or > 0.
 */
export function compareDebianVersions(a: string, b: string): number {
  const x = splitVersion(a);
  const y = splitVersion(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

/** A Debian version's parts; throws on text that is not a Debian version. */
export function splitVersion(version: string): { epoch: number; upstream: string; revision: string } {
  if (!/^(?:\d+:)?[0-9][A-Za-z0-9.+~:-]*$/.test(version) || version.length > 256) {
    throw new Error(
      `"${version.slice(0, 80)}" is not a Debian version ([epoch:]upstream[-revision], upstream starting with a digit)`,
    );
  }
  const colon = version.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(version.slice(0, colon)) ? Number(version.slice(0, colon)) : 0;
  const rest = colon > 0 && epoch >= 0 && /^\d+$/.test(version.slice(0, colon)) ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf('-');
  return dash >= 0
    ? { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) }
    : { epoch, upstream: rest, revision: '' };
}

function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c >= '0' && c <= '9') return 0;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (!firstDiff) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}
