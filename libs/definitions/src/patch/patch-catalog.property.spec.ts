import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { repoRoot } from '@patch-factory/testing';
import { parseDefinition } from '../parse-definition';
import { patchDefinition } from './patch-definition';
import { readVars } from './read-vars';
import { versionDerivations } from './version-derivations';
import { isWholeTokenAt } from './version-token';

/**
 * Issue 12, as a property over the real catalog (../shared/corpus/dhi-catalog): a random
 * version variable of a random definition moves to a plausible new version; the patch
 * changes only lines that held the old value (or a version the plan derives from it) as a
 * whole token, keeps every other line byte for byte, and the result still validates.
 * Near-collision pins injected into the file (the old value as a prefix, a suffix or the
 * inside of another version) stay untouched. Seeded and bounded: the same 300 runs each time.
 */
const CATALOG = join(repoRoot(), '..', 'shared', 'corpus', 'dhi-catalog', 'image');
const RUNS = 300;
const SEED = 20261207;
const VERSION_LIKE = /^v?[0-9]+(\.[0-9]+)+([-+~][A-Za-z0-9.+~-]*)?$/;

const files = readdirSync(CATALOG)
  .sort()
  .flatMap((image) =>
    readdirSync(join(CATALOG, image))
      .filter((d) => d !== 'info.yaml')
      .sort()
      .flatMap((os) =>
        readdirSync(join(CATALOG, image, os))
          .filter((f) => f.endsWith('.yaml'))
          .sort()
          .map((f) => `${image}/${os}/${f}`),
      ),
  );

const cache = new Map<string, { text: string; versions: [string, string][] }>();
function definition(file: string) {
  let entry = cache.get(file);
  if (!entry) {
    const text = readFileSync(join(CATALOG, file), 'utf8');
    const versions = [...readVars(text, file)].filter(([, v]) => VERSION_LIKE.test(v));
    entry = { text, versions };
    cache.set(file, entry);
  }
  return entry;
}

/** A plausible next version: one numeric component of the value raised by `by`. */
function bump(value: string, which: number, by: number): string {
  const numbers = [...value.matchAll(/[0-9]+/g)];
  const m = numbers[which % numbers.length] as RegExpMatchArray;
  const at = m.index as number;
  return `${value.slice(0, at)}${Number(m[0]) + by}${value.slice(at + m[0].length)}`;
}

/** Pins that hold the old value glued to other digits: other versions, never renderings of it. */
function nearCollisions(old: string): string[] {
  return [`libother=1${old}`, `tool=${old}1`, `x=1.${old}`, `y=${old}.7`, `z=0${old}0`];
}

function holdsToken(text: string, value: string): boolean {
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1))
    if (isWholeTokenAt(text, at, value)) return true;
  return false;
}

/** The file with `pins` added to its top-level `contents.packages` (or undefined if it has none). */
function inject(text: string, pins: readonly string[]): string | undefined {
  const lines = text.split('\n');
  const at = lines.findIndex((l, i) => l === '  packages:' && lines.slice(0, i).some((p) => p === 'contents:'));
  const next = lines[at + 1];
  const indent = next === undefined ? undefined : /^(\s*)- /.exec(next)?.[1];
  if (at < 0 || indent === undefined) return undefined;
  lines.splice(at + 1, 0, ...pins.map((p) => `${indent}- ${p}`));
  return lines.join('\n');
}

describe('patching real catalog definitions (property, issue 12)', () => {
  it('has the catalog', () => {
    expect(files.length).toBeGreaterThan(2000);
  });

  it('changes only lines holding the old value as a whole token, keeps the others, and the result validates', () => {
    let checked = 0;
    fc.assert(
      fc.property(
        fc.nat({ max: files.length - 1 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 40 }),
        (f, pick, which, by) => {
          const file = files[f] as string;
          const { text, versions } = definition(file);
          if (versions.length === 0) return true;
          const [name, old] = versions[pick % versions.length] as [string, string];
          const next = bump(old, which, by);
          const froms = [old, ...versionDerivations(old).values()];
          // A pin that still holds a derivation as a whole token (`0.132-r21` holds the core
          // 0.132 of 0.132-r2) renders that derived version: only true near-collisions are kept.
          const pins = /^[0-9]/.test(old)
            ? nearCollisions(old).filter((p) => !froms.some((v) => holdsToken(p, v)))
            : [];
          const before = pins.length ? (inject(text, pins) ?? text) : text;
          const out = patchDefinition(before, [{ name, old, new: next }], file);
          const a = before.split('\n');
          const b = out.text.split('\n');
          expect(b.length).toBe(a.length);
          for (let i = 0; i < a.length; i++) {
            if (a[i] === b[i]) continue;
            const line = a[i] as string;
            const held = froms.some((v) => holdsToken(line, v));
            if (!held)
              throw new Error(
                `${file}:${i + 1}: ${name} ${old} → ${next} changed a line without the old value as a whole token: ${line.trim()} → ${(b[i] as string).trim()}`,
              );
          }
          for (const pin of pins) if (before.includes(`- ${pin}\n`)) expect(out.text).toContain(`- ${pin}\n`);
          if (before.includes(`${name}: ${old}`) || before.includes(`${name}: "${old}"`))
            expect(readVars(out.text, file).get(name)).toBe(next);
          const valid = parseDefinition(out.text, file);
          if (!valid.ok)
            throw new Error(
              `${file}: ${name} ${old} → ${next} gives an invalid definition: ${valid.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('; ')}`,
            );
          checked++;
          return true;
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
    expect(checked).toBeGreaterThan(RUNS / 4);
  });
});
