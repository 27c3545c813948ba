import type { PatchChange } from './patch-change';
import { assertPatchChange } from './patch-change';

import { imageStreamKey } from './image-stream';

/** The trailer that ties a commit to the pipeline run that made it. */
export const RUN_TRAILER = 'Patch-Factory-Run';
/** The trailer that names the image stream a commit patches (`<image>/<os>/<stream>`). */
export const STREAM_TRAILER = 'Patch-Factory-Stream';

/** A commit message in parts and as git gets it. */
export interface CommitMessage {
  subject: string;
  body: string;
  /** `Patch-Factory-Run: <runId>` then `Patch-Factory-Stream: <image>/<os>/<stream>`. */
  trailers: string[];
  /** `subject`, blank line, `body`, blank line, the trailers, final newline. */
  text: string;
}

/**
 * The path the update bot names in its subjects: what follows the folder named after the image
 * (`pkg-<name>` images: after `<name>`). `image/php/debian-13/8.4.yaml` → `debian-13/8.4.yaml`;
 * `package/apk/main/eclipse-temurin/alpine-3.24/25.yaml` (pkg-eclipse-temurin) →
 * `alpine-3.24/25.yaml`; `package/main/syft/alpine-3.23/1.yaml` (pkg-main) → `syft/alpine-3.23/1.yaml`.
 * Checked against the bot's 800 real commits. Paths without that folder are kept whole.
 */
export function botRelativePath(file: string, image: string): string {
  const name = image.startsWith('pkg-') ? image.slice(4) : image;
  const segments = file.split('/');
  const at = segments.indexOf(name, 1);
  return at > 0 ? segments.slice(at + 1).join('/') : file;
}

/**
 * The commit message in the update bot's style:
 * `<image>: update <ref> in <os>/<stream>.yaml` (or `update N packages in …` when several
 * updates are applied), a body of `NAME: old -> new` lines (variables that changed), and the
 * `Patch-Factory-Run: <runId>` and `Patch-Factory-Stream: <image>/<os>/<stream>` trailers.
 * Input is checked first (assertPatchChange).
 */
export function buildCommitMessage(input: PatchChange): CommitMessage {
  const change = assertPatchChange(input);
  const { image, os, stream } = change.stream;
  const files = new Set(change.updates.map((u) => u.file));
  const first = change.updates[0];
  const where = files.size === 1 && first ? botRelativePath(first.file, image) : `${os}/${stream}.yaml`;
  const what = change.updates.length === 1 && first ? first.ref : `${change.updates.length} packages`;
  const subject = `${image}: update ${what} in ${where}`;
  const lines: string[] = [];
  const listed = new Set<string>();
  for (const u of change.updates) {
    for (const v of u.vars) {
      const line = `${v.name}: ${v.old} -> ${v.new}`;
      if (v.old === v.new || listed.has(line)) continue;
      listed.add(line);
      lines.push(line);
    }
  }
  const body = lines.length > 0 ? lines.join('\n') : 'No variable changed.';
  const trailers = [`${RUN_TRAILER}: ${change.runId}`, `${STREAM_TRAILER}: ${imageStreamKey(change.stream)}`];
  return { subject, body, trailers, text: `${subject}\n\n${body}\n\n${trailers.join('\n')}\n` };
}

/** The value of a trailer (`Patch-Factory-Run`) in the last paragraph of a commit message. */
export function readTrailer(message: string, key: string): string | undefined {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  const last = paragraphs[paragraphs.length - 1] ?? '';
  for (const line of last.split('\n')) {
    if (line.startsWith(`${key}: `)) return line.slice(key.length + 2).trim();
  }
  return undefined;
}
