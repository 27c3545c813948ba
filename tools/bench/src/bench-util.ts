/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Runs `task(i)` for i in 0..count-1 with at most `parallel` in flight; rejects on the first failure. */
export async function runPool(count: number, parallel: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  // Boxed, so that a task rejecting with `undefined` still counts as a failure.
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < count) {
      const i = next++;
      try {
        await task(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
  if (failure !== undefined) throw failure.error;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `progress()` (a count that should reach `target`) until it does. Fails with a
 * clear error after `timeoutMs` overall, or when the count has not moved for `stallMs`,
 * or as soon as `abort` rejects (a worker process died).
 */
export async function waitForCount(
  what: string,
  target: number,
  progress: () => Promise<number>,
  opts: { timeoutMs: number; stallMs: number; everyMs?: number; abort?: Promise<never> },
): Promise<void> {
  const started = Date.now();
  let last = -1;
  let lastMoved = started;
  const poll = async () => {
    for (;;) {
      const n = await progress();
      const now = Date.now();
      if (n >= target) return;
      if (n !== last) {
        last = n;
        lastMoved = now;
      }
      if (now - started > opts.timeoutMs) {
        throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}: ${n}/${target}`);
      }
      if (now - lastMoved > opts.stallMs) {
        throw new Error(`no progress for ${opts.stallMs} ms waiting for ${what}: stuck at ${n}/${target}`);
      }
      await sleep(opts.everyMs ?? 20);
    }
  };
  await (opts.abort ? Promise.race([poll(), opts.abort]) : poll());
}

/** Fixed-width text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
