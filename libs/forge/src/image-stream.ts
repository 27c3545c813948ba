import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from './forge-errors';
import { assertSafeBranch, assertSafeCatalogPath, assertSafeSegment, quoteInput } from './safe-input';

/**
 * One image stream of the catalog: the definition `image/<image>/<os>/<stream>.yaml`
 * (`stream` includes a variant suffix such as `-dev`). A stream has at most one patch branch
 * and so at most one open pull request at a time.
 */
export interface ImageStream {
  image: string;
  os: string;
  stream: string;
}

/** The branch prefix used when none is configured. */
export const DEFAULT_BRANCH_PREFIX = 'pf';

/** Check every part of a stream (see assertSafeSegment); returns a plain copy. */
export function assertImageStream(value: ImageStream): ImageStream {
  if (typeof value !== 'object' || value === null) {
    throw new TerminalError(ForgeErrorCode.unsafeInput, 'the image stream is refused: expected { image, os, stream }');
  }
  return {
    image: assertSafeSegment('the image name', value.image),
    os: assertSafeSegment('the os name', value.os),
    stream: assertSafeSegment('the stream name', value.stream),
  };
}

/** `<image>/<os>/<stream>`: the stream's id in markers, labels and logs. */
export function imageStreamKey(stream: ImageStream): string {
  const s = assertImageStream(stream);
  return `${s.image}/${s.os}/${s.stream}`;
}

/**
 * The deterministic branch of a stream: `<prefix>/<image>/<os>/<stream>`, built only from
 * checked `[a-z0-9._-]` segments (it passes `git check-ref-format --branch`). Throws a
 * TerminalError (forge-unsafe-input) for anything else, before any git or HTTP call.
 */
export function branchNameFor(stream: ImageStream, prefix: string = DEFAULT_BRANCH_PREFIX): string {
  const s = assertImageStream(stream);
  return assertSafeBranch(`${assertSafeSegment('the branch prefix', prefix)}/${s.image}/${s.os}/${s.stream}`);
}

/** The stream a definition path belongs to: `image/<image>/<os>/<stream>.yaml`. */
export function imageStreamFromPath(path: string): ImageStream {
  const p = assertSafeCatalogPath(path);
  const m = /^image\/([^/]+)\/([^/]+)\/([^/]+)\.ya?ml$/.exec(p);
  if (!m || m[3]?.startsWith('.')) {
    throw new TerminalError(
      ForgeErrorCode.unsafeInput,
      `the file path ${quoteInput(p)} is not a stream definition: expected image/<image>/<os>/<stream>.yaml`,
    );
  }
  return assertImageStream({ image: m[1] ?? '', os: m[2] ?? '', stream: m[3] ?? '' });
}
