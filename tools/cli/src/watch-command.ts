import { loadConfig } from '@patch-factory/config';
import { loadWatchTargets } from '@patch-factory/sources';
import { pollWithRegistry, sourceDepsOf } from '@patch-factory/watching';
import { UsageError, expectPositionals, quote } from './args';
import type { Command } from './command';
import { CommandError } from './command-error';
import { safeText } from './terminal-text';

const NAME = 'watch once';

export const watchOnceCommand: Command = {
  name: NAME,
  synopsis: '[--source <key-or-kind>]',
  summary:
    'poll the configured sources (PF_WATCH_CONFIG) now and print the versions found, locally (no API, nothing recorded)',
  help: [
    'Reads the explicit targets of PF_WATCH_CONFIG ({"targets": [{key, kind, ref, config, intervalMs}]}),',
    'polls every target (or those whose key or kind is --source) once, without saved state, and prints',
    '"<key>  <version>  [digest]" per version and "<key>  rejected  <value>: <reason>" per quarantined',
    'value, then "N versions from M sources". Exit code 1 when a source failed (its error is printed).',
  ],
  flags: { source: 'string' },
  async run(args, ctx) {
    expectPositionals(args, [], NAME);
    const only = args.flags.get('source');
    if (only === true) throw new UsageError('--source needs a target key or a source kind', NAME);
    let targets;
    let poll;
    try {
      const config = loadConfig();
      targets = loadWatchTargets(config.PF_WATCH_CONFIG);
      poll = pollWithRegistry(sourceDepsOf(config));
    } catch (error) {
      throw new CommandError('watch-config', safeText((error as Error).message));
    }
    const chosen = targets.filter((t) => only === undefined || t.key === only || t.kind === only);
    if (chosen.length === 0)
      throw new CommandError(
        'no-watch-targets',
        only === undefined ? 'PF_WATCH_CONFIG names no target' : `no target has the key or kind ${quote(only)}`,
      );
    let versions = 0;
    let failed = 0;
    for (const t of chosen) {
      try {
        const result = await poll(t, {}, AbortSignal.timeout(120_000));
        for (const o of result.observations)
          ctx.print(`${safeText(t.key)}  ${safeText(o.version)}${o.digest ? `  ${safeText(o.digest)}` : ''}`);
        for (const r of result.rejected) ctx.print(`${safeText(t.key)}  rejected  ${safeText(r.value)}: ${r.reason}`);
        versions += result.observations.length;
      } catch (error) {
        failed++;
        ctx.print(`${safeText(t.key)}  error  ${safeText((error as Error).message)}`);
      }
    }
    ctx.print(`${versions} versions from ${chosen.length - failed} of ${chosen.length} sources`);
    return failed ? 1 : undefined;
  },
};
