import { formatDefinitionError } from './definitions-errors';
import { parseDefinition, parseInfo } from './parse-definition';

/** The errors a person sees for a definition the schema refuses: where, which key, what was expected. */

const FILE = 'image/x/debian-13/1.yaml';

function errorsOf(text: string): string[] {
  const parsed = parseDefinition(text, FILE);
  return parsed.ok ? [] : parsed.errors.map(formatDefinitionError);
}

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('schema errors', () => {
  it('place a wrong type at its node, with the key path and what was found', () => {
    const text = yaml(
      'name: x',
      'contents:',
      '  packages:',
      '    - base-files',
      '    - bash',
      '    - curl',
      '    - {name: jq}',
    );
    expect(errorsOf(text)).toEqual([`${FILE}:7:7: contents.packages[3]: expected a string, got a mapping`]);
  });

  it('name an unknown key at the key itself, with a suggestion for a misspelling', () => {
    const text = yaml('name: x', 'entrypont: [nginx]', 'contents:', '  packages: []', '  frobnicate: true');
    expect(errorsOf(text)).toEqual([
      `${FILE}:2:1: entrypont: unknown key "entrypont" (did you mean "entrypoint"?)`,
      `${FILE}:5:3: contents.frobnicate: unknown key "frobnicate"`,
    ]);
  });

  it('report a missing required key at the mapping that lacks it', () => {
    const text = yaml('paths:', '  - path: /etc/x', '    mode: "0644"');
    expect(errorsOf(text)).toEqual([`${FILE}:2:5: paths[0]: missing required key "type"`]);
  });

  it('list the allowed values of an enum, patterns and integers', () => {
    const text = yaml(
      'variant: prod',
      'platforms: [linux/amd64, linux/s390x]',
      'os-release:',
      '  id-like: Debian Linux',
      'accounts:',
      '  users:',
      '    - {name: app, uid: 1.5, gid: "65532"}',
    );
    expect(errorsOf(text)).toEqual([
      `${FILE}:1:10: variant: expected one of "dev", "runtime", "helm", got a string ("prod")`,
      `${FILE}:2:26: platforms[1]: expected one of "linux/amd64", "linux/arm64", got a string ("linux/s390x")`,
      `${FILE}:4:12: os-release.id-like: expected a string matching /^[a-z0-9._-]+( [a-z0-9._-]+)*$/u, got a string ("Debian Linux")`,
      `${FILE}:7:24: accounts.users[0].uid: expected an integer, got a number (1.5)`,
      `${FILE}:7:34: accounts.users[0].gid: expected an integer, got a string ("65532")`,
    ]);
  });

  it('quote keys that are not plain words in the path, and place empty values at their key', () => {
    const text = yaml('annotations:', '  org.opencontainers.image.title: 5', 'vars:', '  VERSION:');
    expect(errorsOf(text)).toEqual([
      `${FILE}:2:35: annotations["org.opencontainers.image.title"]: expected a string, got a number (5)`,
      `${FILE}:4:3: vars.VERSION: expected a string, got null`,
    ]);
  });

  it('explain track entries by the form their type names', () => {
    const text = yaml(
      'track:',
      '  - type: github_release',
      '    owner: nginx',
      '  - type: gitlab_release',
      '  - type: alpine_package',
      '    package: pkg:deb/debian/curl',
      '    set: CURL_VERSION',
      '  - type: github_tag',
      '    owner: o',
      '    repo: r',
      '    match: ^v',
      '    set: 5',
      '  - just a string',
    );
    const errors = errorsOf(text);
    expect(errors).toEqual([
      `${FILE}:2:5: track[0]: missing required key "repo"`,
      `${FILE}:2:5: track[0]: missing required key "set"`,
      expect.stringMatching(
        new RegExp(
          `^${FILE}:4:11: track\\[1\\]\\.type: expected one of "github_release", "github_tag", .*"file", "json_file", got a string \\("gitlab_release"\\)$`,
        ),
      ),
      `${FILE}:6:14: track[2].package: expected a string matching /^pkg:apk\\/.*$/u, got a string ("pkg:deb/debian/curl")`,
      `${FILE}:12:10: track[3].set: expected a string or a sequence, got a number (5)`,
      `${FILE}:13:5: track[4]: expected a mapping, got a string ("just a string")`,
    ]);
  });

  it("refuse a var_increment entry that fits both of the spec's var_increment forms (oneOf)", () => {
    const text = yaml('track:', '  - type: var_increment', '    set: REL', '    increment: [BUILD]');
    expect(errorsOf(text)).toEqual([
      `${FILE}:2:5: track[0]: this track entry fits 2 forms (var_increment; var_increment with "set" and "increment" or "reset") but the schema's oneOf allows exactly one`,
    ]);
    expect(errorsOf(yaml('track:', '  - type: var_increment', '    increment: [BUILD]'))).toEqual([]);
  });

  it('find nodes through aliases', () => {
    const text = yaml('x-common: &pkgs', '  - bash', '  - 7', 'contents:', '  packages: *pkgs');
    expect(errorsOf(text)).toEqual([
      `${FILE}:1:1: x-common: unknown key "x-common"`,
      `${FILE}:3:5: contents.packages[1]: expected a string, got a number (7)`,
    ]);
  });

  it('say so for an empty file or a document that is not a mapping', () => {
    expect(errorsOf('')).toEqual([`${FILE}:1:1: the file is empty: expected a mapping`]);
    expect(errorsOf('# nothing here\n')).toEqual([`${FILE}:1:1: the file is empty: expected a mapping`]);
    expect(errorsOf('- name: x\n')).toEqual([`${FILE}:1:1: expected a mapping, got a sequence`]);
  });

  it('list at most maxErrors and count the rest', () => {
    const text = yaml('tags:', ...Array.from({ length: 60 }, (_, i) => `  - ${i}`));
    const parsed = parseDefinition(text, FILE, { maxErrors: 5 });
    expect(parsed.ok).toBe(false);
    const lines = parsed.ok ? [] : parsed.errors.map(formatDefinitionError);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe(`${FILE}:2:5: tags[0]: expected a string, got a number (0)`);
    expect(lines[5]).toBe(`${FILE}:7:5: 55 more errors not shown`);
  });
});

describe('info.yaml', () => {
  it('accepts what the catalog writes and names missing or unknown keys', () => {
    const ok = parseInfo(
      yaml(
        'metadata:',
        '  display-name: Nginx',
        '  short-description: web server',
        '  featured: true',
        '  home-url: https://nginx.org/',
        '  categories: [web-servers]',
      ),
      'image/nginx/info.yaml',
    );
    expect(ok.ok && ok.value.metadata['display-name']).toBe('Nginx');
    const bad = parseInfo(
      yaml('metadata:', '  display-name: Nginx', '  categories: [web-server]', 'owner: me'),
      'image/nginx/info.yaml',
    );
    expect(bad.ok ? [] : bad.errors.map(formatDefinitionError)).toEqual([
      'image/nginx/info.yaml:2:3: metadata: missing required key "short-description"',
      'image/nginx/info.yaml:2:3: metadata: missing required key "featured"',
      'image/nginx/info.yaml:2:3: metadata: missing required key "home-url"',
      expect.stringMatching(
        /^image\/nginx\/info\.yaml:3:16: metadata\.categories\[0\]: expected one of "networking", .*, got a string \("web-server"\)$/,
      ),
      'image/nginx/info.yaml:4:1: owner: unknown key "owner"',
    ]);
  });
});
