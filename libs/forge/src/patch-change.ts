import { TerminalError, type VarChange } from '@patch-factory/contracts';
import { ForgeErrorCode } from './forge-errors';
import { assertImageStream, type ImageStream } from './image-stream';
import {
  assertSafeCatalogPath,
  assertSafeRef,
  assertSafeRunId,
  assertSafeVarName,
  assertSafeVarValue,
} from './safe-input';

/** What changed upstream (`ref`) and where it was applied (`file`, a catalog path). */
export interface DefinitionUpdate {
  ref: string;
  file: string;
  vars: VarChange[];
}

/** The full new text of one catalog file. */
export interface PatchFile {
  path: string;
  content: string;
}

/**
 * The change to one image stream, as the patch stage hands it to the forge: the run that made
 * it (the idempotency key in the commit trailer), the stream, what was updated, and the files.
 */
export interface PatchChange {
  runId: string;
  stream: ImageStream;
  updates: DefinitionUpdate[];
  files: PatchFile[];
}

/** At most this many files per change, each at most this many bytes. */
export const MAX_PATCH_FILES = 32;
export const MAX_PATCH_FILE_BYTES = 1024 * 1024;

function refuse(message: string): never {
  throw new TerminalError(ForgeErrorCode.unsafeInput, message);
}

/**
 * Check every field of a change against the hostile-input rules and return a plain copy;
 * throws TerminalError(forge-unsafe-input) naming the first bad field.
 */
export function assertPatchChange(change: PatchChange): PatchChange {
  if (typeof change !== 'object' || change === null) refuse('the patch change is refused: expected an object');
  const runId = assertSafeRunId(change.runId);
  const stream = assertImageStream(change.stream);
  if (!Array.isArray(change.updates) || change.updates.length === 0 || change.updates.length > 64) {
    refuse('the patch change is refused: expected 1–64 updates');
  }
  const updates = change.updates.map((u) => ({
    ref: assertSafeRef(u.ref),
    file: assertSafeCatalogPath(u.file),
    vars: (Array.isArray(u.vars) ? u.vars : refuse('the patch change is refused: update vars must be a list')).map(
      (v) => ({
        name: assertSafeVarName(v.name),
        old: assertSafeVarValue(v.old),
        new: assertSafeVarValue(v.new),
      }),
    ),
  }));
  if (!Array.isArray(change.files) || change.files.length === 0 || change.files.length > MAX_PATCH_FILES) {
    refuse(`the patch change is refused: expected 1–${MAX_PATCH_FILES} files`);
  }
  const seen = new Set<string>();
  const files = change.files.map((f) => {
    const path = assertSafeCatalogPath(f.path);
    if (seen.has(path)) refuse(`the patch change is refused: the file ${path} is listed twice`);
    seen.add(path);
    if (typeof f.content !== 'string') refuse(`the patch change is refused: the content of ${path} is not text`);
    if (Buffer.byteLength(f.content, 'utf8') > MAX_PATCH_FILE_BYTES) {
      refuse(`the patch change is refused: ${path} is larger than ${MAX_PATCH_FILE_BYTES} bytes`);
    }
    if (f.content.includes('\u0000')) refuse(`the patch change is refused: ${path} contains a NUL byte`);
    return { path, content: f.content };
  });
  return { runId, stream, updates, files };
}
