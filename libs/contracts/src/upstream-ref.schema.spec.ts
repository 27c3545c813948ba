import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UpstreamEventSchema } from './upstream-event.schema';
import { upstreamRefProblem } from './upstream-ref.schema';

/** Every `ref` the catalog's own update bot announced (purls, image references, owner/repo, names). */
function corpusRefs(): string[] {
  const file = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'dhi-bot-updates.jsonl');
  const refs = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    for (const u of (JSON.parse(line) as { updates: { ref: string }[] }).updates) refs.add(u.ref);
  }
  return [...refs];
}

/** Every purl the vendor's OSV advisories name (advisory events carry them as `ref`). */
function corpusAdvisoryPurls(): string[] {
  const root = join(__dirname, '..', '..', '..', '..', 'shared', 'corpus', 'dhi-advisories', 'osv');
  const purls = new Set<string>();
  for (const dir of readdirSync(root)) {
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.json'))) {
      const osv = JSON.parse(readFileSync(join(root, dir, file), 'utf8')) as {
        affected?: { package: { purl?: string } }[];
      };
      for (const a of osv.affected ?? []) if (a.package.purl) purls.add(a.package.purl);
    }
  }
  return [...purls];
}

/** The refs the sources, the watcher, the API and their specs build (watch targets, catalog tracks, posted events). */
const PRODUCED = [
  'pkg:deb/debian/openssl',
  'pkg:deb/debian/hello-pf',
  'pkg:deb/debian/libssl3',
  'pkg:apk/alpine/php-8.3',
  'pkg:apk/alpine/busybox',
  'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
  'pkg:deb/debian/curl?arch=source',
  'pkg:generic/tool@1.0.0#sub/path',
  'dhi/python:3.13-debian13-dev',
  'dhi/golang:1-debian13-dev',
  '127.0.0.1:5000/pf/app',
  'localhost:5000/team/app:1.2',
  'dhi.io/dhi/node:22@sha256:' + 'a'.repeat(64),
  'octo/tool',
  'upstream/lib',
  'Azure/azure-functions-host',
  'clojure/tools.deps',
  'binutils-latest',
  'php-src',
  'osv',
  'https://github.com/example/tool.git',
  'https://git.example.test:8443/group/sub/tool',
  'ssh://git@git.example.test/tool.git',
  '/tmp/pf-upstream-AbC123/tool.git',
];

const HOSTILE: [string, RegExp][] = [
  [';id', /letters, digits/],
  ['a;b', /letters, digits/],
  ['pkg:deb/debian/openssl\nid', /whitespace or control/],
  ['pkg:deb/debian/openssl\r', /whitespace or control/],
  ['tool\u0000', /whitespace or control/],
  ['owner/repo name', /whitespace or control/],
  ['file:///etc/passwd', /scheme file:/],
  ['FILE:/etc/passwd', /scheme file:/],
  ['file:etc', /scheme file:/],
  ['ext::sh -c id', /whitespace|scheme ext:/],
  ['ext::sh', /scheme ext:/],
  ['fd::3', /scheme fd:/],
  ['http://127.0.0.1/x', /scheme http:/],
  ['gopher://x/y', /scheme gopher:/],
  ['--upload-pack=touch /tmp/pwned', /whitespace|starts with "-"/],
  ['--upload-pack=id', /starts with "-"/],
  ['-oProxyCommand=id', /starts with "-"/],
  ['$(id)', /letters, digits/],
  ['`id`', /letters, digits/],
  ['a|b', /letters, digits/],
  ['../../etc/passwd', /letters, digits|"\.\." path segment/],
  ['/srv/../etc/passwd', /"\.\." path segment/],
  ['pkg:', /purl|scheme pkg:/],
  ['pkg:/x', /scheme pkg:|purl/],
  ['', /1–512/],
  ['x'.repeat(513), /1–512/],
];

const event = (ref: string) => ({ id: 'e1', source: 'test', ref, version: '1.0.0', firstSeenAt: 0 });

describe('an UpstreamEvent ref is a ref (issue 14)', () => {
  it("accepts every ref the catalog's update bot announced in the corpus", () => {
    const refs = corpusRefs();
    expect(refs.length).toBeGreaterThan(300);
    const refused = refs.map((r) => [r, upstreamRefProblem(r)]).filter(([, p]) => p !== undefined);
    expect(refused).toEqual([]);
    for (const r of refs) expect(UpstreamEventSchema.safeParse(event(r)).success).toBe(true);
  });

  it('accepts every purl the corpus advisories name', () => {
    const purls = corpusAdvisoryPurls();
    expect(purls.length).toBeGreaterThan(10);
    expect(purls.map((r) => [r, upstreamRefProblem(r)]).filter(([, p]) => p !== undefined)).toEqual([]);
  });

  it('accepts the refs the sources, the watcher and the API build', () => {
    expect(PRODUCED.map((r) => [r, upstreamRefProblem(r)]).filter(([, p]) => p !== undefined)).toEqual([]);
  });

  it.each(HOSTILE)('refuses %j, saying why, in the field ref', (ref, why) => {
    expect(upstreamRefProblem(ref)).toMatch(why);
    const parsed = UpstreamEventSchema.safeParse(event(ref));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['ref']);
  });
});
