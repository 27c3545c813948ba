import { loadOsvJson, loadOsvText } from './feeds/osv-ingest';
import { loadTrackerJson, loadTrackerText } from './feeds/tracker-ingest';
import { scan } from './match';
import { parseOpenVex } from './vex/openvex-parse';
import { VulnDb } from './vuln-db';

const good = {
  id: 'CVE-2026-0001',
  modified: '2026-01-01T00:00:00Z',
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'zlib' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.3-1' }] }],
    },
  ],
};
const pkg = { name: 'zlib1g', version: '1:1.2.13.dfsg-1', arch: 'amd64', source: 'zlib' };

describe('hostile feeds: located errors, the rest still loads', () => {
  it('OSV: bad versions, wrong types, giant arrays, bad vectors', () => {
    const db = new VulnDb();
    const bad = (id: string, over: object) => ({ ...good, id, ...over });
    const load = loadOsvJson(
      db,
      [
        bad('CVE-2026-0002', {
          affected: [
            {
              package: { ecosystem: 'Debian:12', name: 'zlib' },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: 'x; rm -rf /' }] }],
            },
          ],
        }),
        bad('CVE-2026-0003', { affected: 'everything' }),
        bad('CVE-2026-0004', { affected: Array.from({ length: 100_000 }, () => good.affected[0]) }),
        bad('CVE-2026-0005', {
          affected: [
            {
              package: { ecosystem: 'Debian:12', name: 'zlib' },
              versions: Array.from({ length: 50_000 }, () => '1.0'),
            },
          ],
        }),
        bad('bad id with spaces', {}),
        bad('CVE-2026-0006', {
          affected: [
            {
              package: { ecosystem: 'Debian:12', name: 'zlib' },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0', fixed: '1.0' }] }],
            },
          ],
        }),
        bad('CVE-2026-0007', { severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:Q' }] }),
        42,
        good,
      ],
      'hostile.json',
    );
    expect(load).toEqual({ records: 9, indexed: 2, skipped: 0, rejected: 7 });
    expect(db.problems.map((p) => [p.code, p.message])).toEqual([
      [
        'vuln-invalid-version',
        expect.stringMatching(
          /^hostile\.json\[0\] \(CVE-2026-0002\)\.affected\[0\]\.ranges\[0\]\.events\[1\]\.fixed: "x; rm -rf \/" is not a Debian version/,
        ),
      ],
      ['vuln-invalid-feed', expect.stringMatching(/^hostile\.json\[1\]\.affected: /)],
      ['vuln-too-large', 'hostile.json[2].affected: 100000 entries, more than 256'],
      ['vuln-invalid-feed', expect.stringMatching(/^hostile\.json\[3\]\.affected\.0\.versions: /)],
      ['vuln-invalid-feed', 'hostile.json[4].id: expected an OSV id such as CVE-2024-22018'],
      [
        'vuln-invalid-feed',
        'hostile.json[5] (CVE-2026-0006).affected[0].ranges[0].events[0]: an event has exactly one of introduced, fixed, last_affected, limit (has 2)',
      ],
      [
        'vuln-invalid-cvss',
        'hostile.json[6] (CVE-2026-0007).severity[0]: the base metric S is missing in CVSS:3.1/AV:Q',
      ],
      ['vuln-invalid-feed', 'hostile.json[7]: expected an OSV record (an object), got number'],
    ]);
    // what did load is usable: the good record and the one with a bad vector (severity unknown)
    expect(scan(db, [pkg], 'debian-12').map((f) => [f.id, f.aliases, f.severity])).toEqual([
      ['CVE-2026-0001', [], 'unknown'],
      ['CVE-2026-0007', [], 'unknown'],
    ]);
    expect(db.advisoryCount).toBe(2);
  });

  it('OSV and tracker: a text that is not JSON is a located error', () => {
    expect(() => loadOsvText(new VulnDb(), '{"id": ', 'feeds/broken.json')).toThrow(/^feeds\/broken\.json: not JSON/);
    expect(() => loadTrackerText(new VulnDb(), '[1,2]', 'tracker.json')).toThrow(
      "tracker.json: expected the tracker's object of source packages, got an array of 2",
    );
  });

  it('tracker: bad names, ids, statuses and versions are reported, the rest loads', () => {
    const db = new VulnDb();
    const load = loadTrackerJson(
      db,
      {
        'Bad Name': {},
        zlib: {
          'CVE-2026-0001': {
            releases: { bookworm: { status: 'resolved', fixed_version: '1:1.3-1', urgency: 'high' } },
          },
          'not-a-cve': { releases: {} },
          'CVE-2026-0002': { releases: { bookworm: { status: 'resolved', fixed_version: '1.0; rm -rf /' } } },
          'CVE-2026-0003': { releases: { bookworm: { status: 'pwned' } } },
          'CVE-2026-0004': { releases: 'bookworm' },
          'CVE-2026-0005': { releases: { bookworm: ['open'] } },
        },
        curl: 'everything',
      },
      'tracker.json',
    );
    expect(load).toEqual({ packages: 1, issues: 4, entries: 1, rejected: 7 });
    expect(db.problems.map((p) => p.message)).toEqual([
      'tracker.json: "Bad Name": is not a Debian source package name',
      'tracker.json: zlib/not-a-cve: is not a CVE, TEMP, DSA or DLA id',
      expect.stringMatching(
        /^tracker\.json: zlib\/CVE-2026-0002\.releases\.bookworm\.fixed_version: "1\.0; rm -rf \/" is not a Debian version/,
      ),
      'tracker.json: zlib/CVE-2026-0003.releases.bookworm.status: expected resolved, open, undetermined or not-affected, got "pwned"',
      'tracker.json: zlib/CVE-2026-0004: expected an object with "releases", got releases "bookworm"',
      'tracker.json: zlib/CVE-2026-0005.releases.bookworm: expected an object, got an array of 1',
      'tracker.json: "curl": expected an object of issues, got "everything"',
    ]);
    expect(scan(db, [pkg], 'debian-12').map((f) => [f.id, f.severity, f.fixedVersion])).toEqual([
      ['CVE-2026-0001', 'high', '1:1.3-1'],
    ]);
  });

  it('scan input: a bad package or distro is a located error', () => {
    const db = new VulnDb();
    expect(() => scan(db, [pkg, { ...pkg, name: 'evil', version: 'latest' }], 'debian-12')).toThrow(
      /^packages\[1\] \(evil\)\.version: "latest" is not a Debian version/,
    );
    expect(() => scan(db, [{ ...pkg, source: 'zlib (1.0) && x' }], 'debian-12')).toThrow(
      /^packages\[0\] \(zlib1g\)\.source: expected a source package name/,
    );
    expect(() => scan(db, [null], 'debian-12')).toThrow('packages[0]: expected a package object, got null');
    expect(() => scan(db, [pkg], 'ubuntu-24.04')).toThrow(
      'distro: expected debian-<N> or alpine-<N.N> (such as debian-12), got "ubuntu-24.04"',
    );
  });

  it('VEX: a document that is not one throws a located error; bad statements are reported, the rest loads', () => {
    expect(() => parseOpenVex({ '@context': 'https://example.com', '@id': 'x', statements: [] }, 'a.vex.json')).toThrow(
      'a.vex.json @context: expected https://openvex.dev/ns/v0.2.0, got "https://example.com"',
    );
    expect(() =>
      parseOpenVex({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'x', statements: {} }, 'a.vex.json'),
    ).toThrow('a.vex.json statements: expected an array, got object');
    // The value a message shows is cleaned as every library shows hostile text (shownValue): no
    // bidi override or C1 control reaches a log, and a cut value says it is cut.
    expect(() =>
      parseOpenVex(
        { '@context': 'https://evil.example/\u202egnp.exe\u0085', '@id': 'x', statements: [] },
        'a.vex.json',
      ),
    ).toThrow('a.vex.json @context: expected https://openvex.dev/ns/v0.2.0, got "https://evil.example/?gnp.exe?"');
    expect(() =>
      parseOpenVex({ '@context': `https://${'a'.repeat(80)}`, '@id': 'x', statements: [] }, 'a.vex.json'),
    ).toThrow(`got "https://${'a'.repeat(52)}…"`);
    const ok = { vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:deb/debian/zlib' }], status: 'affected' };
    const doc = parseOpenVex(
      {
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'x',
        statements: [
          ok,
          { ...ok, status: 'maybe' },
          { ...ok, vulnerability: 7 },
          { ...ok, products: Array.from({ length: 20_000 }, () => ({ '@id': 'pkg:deb/debian/zlib' })) },
          { ...ok, status: 'not_affected', justification: 'because' },
          { ...ok, products: [{ '@id': 'pkg:oci/app', subcomponents: [{ name: 'no id' }] }] },
        ],
      },
      'a.vex.json',
    );
    expect(doc.statements).toHaveLength(1);
    expect(doc.invalid.map((e) => [e.code, e.message])).toEqual([
      [
        'vuln-invalid-vex',
        'a.vex.json statements[1].status: expected one of not_affected, affected, fixed, under_investigation, got "maybe"',
      ],
      ['vuln-invalid-vex', 'a.vex.json statements[2].vulnerability: expected a vulnerability with a name, got number'],
      ['vuln-too-large', 'a.vex.json statements[3].products: 20000 products, more than 10000'],
      [
        'vuln-invalid-vex',
        expect.stringMatching(/^a\.vex\.json statements\[4\]\.justification: expected one of component_not_present/),
      ],
      [
        'vuln-invalid-vex',
        'a.vex.json statements[5].products[0].subcomponents[0]: expected a component with an @id, got @id undefined',
      ],
    ]);
  });
});
