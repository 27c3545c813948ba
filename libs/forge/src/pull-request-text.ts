import type { Severity } from './auto-merge-policy';
import { imageStreamKey, type ImageStream } from './image-stream';
import { assertPatchChange, type PatchChange } from './patch-change';

/** The hidden line that ties a pull request body to its image stream. */
export function streamMarker(stream: ImageStream): string {
  return `<!-- patch-factory:image-stream=${imageStreamKey(stream)} -->`;
}

/** The stream key in a body's marker (`<image>/<os>/<stream>`), if it has one. */
export function readStreamMarker(body: string | null | undefined): string | undefined {
  const m = /<!-- patch-factory:image-stream=([a-z0-9._/-]{1,200}) -->/.exec(body ?? '');
  return m?.[1];
}

/**
 * The body of a change's pull request: what was updated, a table of the variables, the
 * severity and the run. Every value is a checked token (no backticks, pipes or HTML), shown
 * in code spans, so the body cannot carry markup from upstream data.
 */
export function renderPullRequestBody(input: PatchChange, severity: Severity, notes: string[] = []): string {
  const change = assertPatchChange(input);
  const lines: string[] = [];
  for (const u of change.updates) lines.push(`Updates \`${u.ref}\` in \`${u.file}\`.`);
  const rows = change.updates.flatMap((u) =>
    u.vars.filter((v) => v.old !== v.new).map((v) => `| \`${v.name}\` | \`${v.old}\` | \`${v.new}\` |`),
  );
  if (rows.length > 0) lines.push('', '| variable | from | to |', '|---|---|---|', ...rows);
  lines.push('', `Severity: **${severity}** · Run: \`${change.runId}\``);
  for (const n of notes) lines.push('', n.replace(/[<>`|]/g, ''));
  return lines.join('\n');
}
