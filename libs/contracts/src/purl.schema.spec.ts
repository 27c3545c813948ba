import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OsvAdvisorySchema } from './advisory.schema';
import { PurlSchema, purlProblem } from './purl.schema';

const ADVISORIES = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'dhi-advisories');

/** Every JSON file under `dir` (the vendor's OSV and OpenVEX documents). */
function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsonFiles(p) : n.endsWith('.json') ? [p] : [];
  });
}

/** Every string starting with pkg: anywhere in a document (OSV package.purl, OpenVEX product and subcomponent @id). */
function purlsIn(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string') {
    if (value.startsWith('pkg:')) out.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => purlsIn(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => purlsIn(v, out));
  return out;
}

describe('PurlSchema', () => {
  it('accepts every purl of the corpus advisories (OSV and OpenVEX) and every OSV advisory still parses', () => {
    const osvFiles = jsonFiles(join(ADVISORIES, 'osv'));
    const vexFiles = jsonFiles(join(ADVISORIES, 'vex'));
    const purls = new Set<string>();
    for (const f of [...osvFiles, ...vexFiles]) purlsIn(JSON.parse(readFileSync(f, 'utf8')), purls);
    const refused = [...purls].map((p) => [p, purlProblem(p)]).filter(([, problem]) => problem !== undefined);
    expect(refused).toEqual([]);
    const unparsed = osvFiles.filter((f) => !OsvAdvisorySchema.safeParse(JSON.parse(readFileSync(f, 'utf8'))).success);
    expect(unparsed).toEqual([]);
    expect(osvFiles.length).toBeGreaterThan(600);
    expect(vexFiles.length).toBeGreaterThan(100);
    expect(purls.size).toBeGreaterThan(500);
  });

  it.each([
    ['pkg:deb/debian/openssl'],
    ['pkg:deb/debian/libstdc%2B%2B6@14.2.0-19?arch=amd64&distro=debian-13'],
    ['pkg:deb/debian/lz4@1.10.0-4?os_distro=trixie&os_name=debian&os_version=13'],
    ['pkg:apk/alpine/busybox@1.37.0-r19'],
    ['pkg:npm/%40babel/core@7.24.0'],
    ['pkg:golang/github.com/docker/cli@v27.1.1%2Bincompatible#cli/command'],
    ['pkg:dhi/node'],
  ])('accepts %s', (purl) => {
    expect(purlProblem(purl)).toBeUndefined();
  });

  it.each([
    ['pkg:deb/debian/', /empty path segment/],
    ['pkg:deb/debian', /pkg:deb\/<vendor>\/<package>/],
    ['pkg:deb/', /empty path segment/],
    ['pkg:', /expected a type/],
    ['pkg:deb/debian/openssl@', /@version is empty/],
    ['pkg:deb/debian/openssl?', /qualifier "" is not key=value/],
    ['pkg:deb/debian/openssl?arch=', /qualifier "arch=" is not key=value/],
    ['pkg:deb/debian/openssl#', /#subpath is empty/],
    ['pkg:deb/debian/openssl%2', /segment "openssl%2" is not percent-encoded/],
    ['pkg:deb/debian/open ssl', /whitespace/],
    ['pkg:deb/debian/openssl\u0000junk', /control characters/],
    ['pkg:deb/debian/OpenSSL', /expected a deb package name/],
    ['pkg:deb/debian/openssl;rm -rf', /whitespace/],
    ['pkg:deb/debian/openssl;rm', /expected a deb package name/],
    ['deb/debian/openssl', /start with pkg:/],
    [`pkg:deb/debian/${'a'.repeat(600)}`, /1–512 characters/],
  ])('refuses %j, saying why', (purl, why) => {
    expect(purlProblem(purl)).toMatch(why);
    const parsed = PurlSchema.safeParse(purl);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/^expected a package URL such as pkg:deb\/debian\/openssl: /);
  });

  it('locates a cut-off purl in an advisory at affected.<i>.package.purl', () => {
    const parsed = OsvAdvisorySchema.safeParse({
      id: 'CVE-2099-0001',
      modified: '2026-01-01T00:00:00Z',
      affected: [
        { package: { ecosystem: 'Debian:13', name: 'openssl', purl: 'pkg:deb/debian/openssl' } },
        { package: { ecosystem: 'Debian:13', name: 'curl', purl: 'pkg:deb/deb' } },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['affected.1.package.purl']);
  });
});
