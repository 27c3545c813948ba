import { compareApkVersions } from '@patch-factory/alpine';
import { compareDebianVersions } from '@patch-factory/debian';
import type { DefinitionDeps, Ecosystem } from './definition-deps';
import { parseImageRef, repositoryKeys, sameReleaseLine, tagCovers } from './image-ref';

/** One definition a query found, with the reason a person reads in a report. */
export interface Affected {
  file: string;
  reason: string;
}

export type CatalogQuery =
  | { kind: 'package'; ecosystem: Ecosystem; namespace: string; name: string; below?: string; family?: boolean }
  | { kind: 'image'; path: string; host?: string; tag?: string; digest?: string }
  | { kind: 'repository'; repository: string };

const PURL = /^pkg:(deb|apk)\/([a-z0-9.-]{1,64})\/([a-z0-9][a-z0-9+._-]{0,127})(?:@([A-Za-z0-9.+~:_-]{1,128}))?$/;

/**
 * Reads a query: a package purl (`pkg:deb/debian/openssl`, `pkg:apk/alpine/busybox`), an
 * image reference (`dhi/golang:1-debian13-dev`: a moving tag covers the versions it
 * prefixes; a full version such as `1.26.5-debian13-dev` also finds the definitions on
 * its release line, 1.26) or a GitHub repository (`owner/repo`).
 * `below` limits a package query to definitions that pin a lower version (or pin none).
 */
export function parseQuery(ref: string, below?: string): CatalogQuery {
  const purl = PURL.exec(ref);
  if (purl) {
    const q: CatalogQuery = {
      kind: 'package',
      ecosystem: purl[1] as Ecosystem,
      namespace: purl[2] as string,
      name: purl[3] as string,
    };
    const bound = below ?? purl[4];
    if (bound !== undefined) {
      compare(q.ecosystem, bound, bound); // throws on a version that is not one
      q.below = bound;
    }
    return q;
  }
  if (ref.startsWith('pkg:'))
    throw new Error(
      `"${ref.slice(0, 80)}" is not a package purl this catalog knows (pkg:deb/<distro>/<name> or pkg:apk/<distro>/<name>)`,
    );
  if (below !== undefined) throw new Error('--below goes with a package purl only');
  const image = parseImageRef(ref);
  if (image && (image.tag || image.digest) && (image.host || image.path.includes('/'))) {
    return {
      kind: 'image',
      path: image.path,
      ...(image.host ? { host: image.host } : {}),
      ...(image.tag ? { tag: image.tag } : {}),
      ...(image.digest ? { digest: image.digest } : {}),
    };
  }
  if (/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(ref) && !ref.includes('..'))
    return { kind: 'repository', repository: ref.toLowerCase() };
  throw new Error(
    `"${ref.slice(0, 80)}" is neither a package purl, an image reference (ns/repo:tag) nor a GitHub owner/repo`,
  );
}

function compare(ecosystem: Ecosystem, a: string, b: string): number {
  return ecosystem === 'deb' ? compareDebianVersions(a, b) : compareApkVersions(a, b);
}

interface PackageEntry {
  file: string;
  ecosystem: Ecosystem;
  version?: string;
  excluded: boolean;
}
interface ImageEntry {
  file: string;
  tag?: string;
  digest?: string;
  raw: string;
}

/**
 * The catalog's reverse index: for each package, image repository and GitHub repository,
 * the definitions that depend on it. Built once from every definition's deps; a query
 * reads one map entry.
 */
export class CatalogIndex {
  private readonly packages = new Map<string, PackageEntry[]>();
  /** Package names by their first dash-separated word, for family queries (`traefik-3.7` → `traefik-3.7-dev`). */
  private readonly packageNames = new Map<string, Set<string>>();
  private readonly images = new Map<string, ImageEntry[]>();
  private readonly repositories = new Map<string, Set<string>>();
  private count = 0;

  static build(all: Iterable<DefinitionDeps>): CatalogIndex {
    const index = new CatalogIndex();
    for (const deps of all) index.add(deps);
    return index;
  }

  get definitions(): number {
    return this.count;
  }

  add(deps: DefinitionDeps): void {
    this.count++;
    for (const p of deps.packages) {
      const stem = `${p.ecosystem}/${p.name.split('-')[0] as string}`;
      let names = this.packageNames.get(stem);
      if (!names) this.packageNames.set(stem, (names = new Set()));
      names.add(p.name);
      push(this.packages, `${p.ecosystem}/${p.name}`, {
        file: deps.file,
        ecosystem: p.ecosystem,
        excluded: p.excluded,
        ...(p.version ? { version: p.version } : {}),
      });
    }
    for (const i of deps.images) {
      for (const key of repositoryKeys(i.ref)) {
        push(this.images, key, {
          file: deps.file,
          raw: i.raw,
          ...(i.ref.tag ? { tag: i.ref.tag } : {}),
          ...(i.ref.digest ? { digest: i.ref.digest } : {}),
        });
      }
    }
    for (const r of deps.repositories) {
      let files = this.repositories.get(r);
      if (!files) this.repositories.set(r, (files = new Set()));
      files.add(deps.file);
    }
  }

  /** The definitions affected by a query, each once, sorted by file. */
  affected(query: CatalogQuery): Affected[] {
    const found = new Map<string, string>();
    const note = (file: string, reason: string) => {
      if (!found.has(file)) found.set(file, reason);
    };
    if (query.kind === 'package') {
      // A family query also finds the binary packages built from the same source (`<name>-dev`, …).
      const names = query.family
        ? [...(this.packageNames.get(`${query.ecosystem}/${query.name.split('-')[0] as string}`) ?? [])].filter(
            (n) => n === query.name || n.startsWith(`${query.name}-`),
          )
        : [query.name];
      const entries = names.flatMap((n) =>
        (this.packages.get(`${query.ecosystem}/${n}`) ?? []).map((e) => ({ ...e, name: n })),
      );
      const excluded = new Set(entries.filter((e) => e.excluded).map((e) => e.file));
      for (const e of entries) {
        if (e.excluded || excluded.has(e.file)) continue;
        if (query.below === undefined)
          note(e.file, e.version ? `installs ${e.name}=${e.version}` : `installs ${e.name}`);
        else if (e.version === undefined) note(e.file, `installs ${e.name} unpinned (the build resolves a version)`);
        else {
          let c: number;
          try {
            c = compare(e.ecosystem, e.version, query.below);
          } catch {
            note(e.file, `pins ${e.name}=${e.version}, which is not comparable`);
            continue;
          }
          if (c < 0) note(e.file, `pins ${e.name}=${e.version} < ${query.below}`);
        }
      }
    } else if (query.kind === 'image') {
      const keys = query.host ? repositoryKeys({ host: query.host, path: query.path }) : [query.path];
      for (const key of keys) {
        for (const e of this.images.get(key) ?? []) {
          if (
            query.digest
              ? e.digest === query.digest
              : query.tag === undefined || (e.tag !== undefined && tagCovers(query.tag, e.tag))
          ) {
            note(e.file, `uses ${e.raw}`);
          } else if (
            !query.digest &&
            query.tag !== undefined &&
            e.tag !== undefined &&
            sameReleaseLine(query.tag, e.tag)
          ) {
            note(e.file, `uses ${e.raw}, on the release line of ${query.tag}`);
          }
        }
      }
    } else {
      for (const file of this.repositories.get(query.repository) ?? [])
        note(file, `fetches from github.com/${query.repository}`);
    }
    return [...found]
      .map(([file, reason]) => ({ file, reason }))
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
