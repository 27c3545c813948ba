/** Plain-text layout: tables, durations, times. Cells must already be escaped (safeText). */

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A duration for people: 850ms, 4.2s, 3m07s, 2h05m, 3d04h. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const v = Math.max(0, Math.round(ms));
  if (v < 1000) return `${v}ms`;
  if (v < 60_000) return `${(Math.floor(v / 100) / 10).toFixed(1)}s`;
  const s = Math.floor(v / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${pad2(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad2(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${pad2(Math.floor(s / 3600) % 24)}h`;
}

/** An epoch-ms time as ISO 8601 UTC, or "?" if it is not a representable time. */
export function isoTime(ms: number | undefined): string {
  if (ms === undefined) return '-';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '?' : d.toISOString();
}

/** How long ago a time was, relative to `now`. */
export function ago(ms: number, now: number): string {
  return ms > now ? 'just now' : `${duration(now - ms)} ago`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
