import { parsePurl, purlDecode, purlEncode } from './purl';
import { parsePurlStrict, purlProblem } from './purl.schema';

describe('parsePurl (tolerant, for third-party documents)', () => {
  it('reads a package purl, decoded, with its qualifiers', () => {
    expect(parsePurl('pkg:deb/debian/libssl3@3.0.15-1~deb12u1?arch=amd64&distro=debian-12')).toEqual({
      type: 'deb',
      namespace: 'debian',
      name: 'libssl3',
      version: '3.0.15-1~deb12u1',
      qualifiers: { arch: 'amd64', distro: 'debian-12' },
    });
  });

  it('percent-decodes the namespace, name, version and qualifier values', () => {
    expect(
      parsePurl('pkg:oci/my%2Bimage@sha256%3Aabc?repository_url=registry.local%2Fteam%2Fmy%2Bimage&tag=1.0'),
    ).toEqual({
      type: 'oci',
      namespace: '',
      name: 'my+image',
      version: 'sha256:abc',
      qualifiers: { repository_url: 'registry.local/team/my+image', tag: '1.0' },
    });
    expect(parsePurl('pkg:npm/%40scope/pkg@1.0.0')).toMatchObject({ namespace: '@scope', name: 'pkg' });
  });

  it('lowercases the type and qualifier keys, drops the subpath, skips bad qualifiers, takes repeated / as one', () => {
    expect(parsePurl('pkg:DEB//debian//curl@8?ARCH=arm64&novalue&=x#usr/bin')).toEqual({
      type: 'deb',
      namespace: 'debian',
      name: 'curl',
      version: '8',
      qualifiers: { arch: 'arm64' },
    });
  });

  it('keeps a malformed escape as it is rather than failing', () => {
    expect(parsePurl('pkg:deb/debian/a%zz@1%')).toMatchObject({ name: 'a%zz', version: '1%' });
  });

  it('takes what the strict parser refuses (a purl from a document is read, not checked)', () => {
    for (const purl of ['pkg:deb/curl', 'pkg:apk/alpine/curl?arch=', 'pkg:generic/a b']) {
      expect(purlProblem(purl)).toBeDefined();
      expect(parsePurl(purl)).toBeDefined();
    }
  });

  it.each([
    [undefined],
    [42],
    [''],
    ['deb/debian/curl'],
    ['pkg:'],
    ['pkg:deb'],
    ['pkg:1deb/debian/curl'],
    ['pkg:deb/'],
    [`pkg:deb/debian/${'a'.repeat(2048)}`],
  ])('is undefined for %j', (text) => {
    expect(parsePurl(text)).toBeUndefined();
  });

  it('reads what the strict parser accepts as the same parts, decoded', () => {
    const purl = 'pkg:apk/alpine/py3-six@1.16.0-r9?arch=x86_64&distro=alpine-3.20#lib';
    const strict = parsePurlStrict(purl);
    const tolerant = parsePurl(purl);
    expect(strict).toEqual({
      type: 'apk',
      namespace: ['alpine'],
      name: 'py3-six',
      version: '1.16.0-r9',
      qualifiers: 'arch=x86_64&distro=alpine-3.20',
      subpath: 'lib',
    });
    expect(tolerant).toEqual({
      type: 'apk',
      namespace: 'alpine',
      name: 'py3-six',
      version: '1.16.0-r9',
      qualifiers: { arch: 'x86_64', distro: 'alpine-3.20' },
    });
  });
});

describe('purlEncode / purlDecode', () => {
  it('encodes a component as the purl spec asks, and decodes it back', () => {
    expect(purlEncode('1:2.3+dfsg-1~deb12u1')).toBe('1%3A2.3%2Bdfsg-1~deb12u1');
    expect(purlEncode("a/b!'()*c d")).toBe('a%2Fb%21%27%28%29%2Ac%20d');
    for (const s of ['1:2.3+dfsg-1~deb12u1', "a/b!'()*c d", 'sha256:0f', 'ü'])
      expect(purlDecode(purlEncode(s))).toBe(s);
  });

  it('gives back a component with a malformed escape unchanged', () => {
    expect(purlDecode('50%')).toBe('50%');
    expect(purlDecode('%E0%A4%A')).toBe('%E0%A4%A');
  });

  it('encodes what the strict parser accepts as a component', () => {
    const purl = `pkg:deb/debian/${purlEncode('libc6')}@${purlEncode('2.36-9+deb12u13')}?arch=${purlEncode('amd64')}`;
    expect(purlProblem(purl)).toBeUndefined();
  });
});
