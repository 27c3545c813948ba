/**
 * Orders upstream version strings by their numbers (`v1.10.0` > `v1.9.2`, `jdk8u502-b07` >
 * `jdk8u492-b09`, `8.3.34-alpine3.23` > `8.3.33-alpine3.23`), then as text: the order of
 * release tags, not of distribution packages (see libs/debian and libs/alpine for those).
 */
export function compareUpstreamVersions(a: string, b: string): number {
  const x = (a.match(/\d+/g) ?? []).slice(0, 32).map(Number);
  const y = (b.match(/\d+/g) ?? []).slice(0, 32).map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
