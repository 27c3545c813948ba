import { resolve } from 'node:path';
import { shown, shownPath } from '../builder-errors';
import { BuildahErrorCode, buildahTerminal } from './buildah-errors';
import { isDockerfileDefinition } from './dockerfile-detect';

/** What `buildWithBuildah` builds, and how. */
export interface BuildahBuildOptions {
  /** The Dockerfile text; its first line must be `# syntax=docker/dockerfile[:version]`. */
  dockerfile: string;
  /** The build context (COPY/ADD sources); it must be an existing directory. */
  contextDir: string;
  /** The OCI image layout to write; it must not exist yet or be empty. */
  outDir: string;
  /** `os/arch[/variant]`, e.g. `linux/amd64`; default the host's. */
  platform?: string;
  /** Seconds since 1970: the image's created time and every new layer entry's mtime. */
  sourceDateEpoch: number;
  /** `ARG` values; names `[A-Za-z_][A-Za-z0-9_]*`. SOURCE_DATE_EPOCH is always set. */
  buildArgs?: Record<string, string>;
  /** Receives buildah's output, one line at a time. */
  log: (line: string) => void;
  /** For the whole build and push; default one hour. A build over it is killed. */
  timeoutMs?: number;
  /** Aborting kills buildah, removes the storage and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Where the per-call storage (a temporary directory) goes; default the OS temp dir. */
  tempDir?: string;
}

/** The options, checked and with absolute paths. */
export interface CheckedBuild {
  dockerfile: string;
  contextDir: string;
  outDir: string;
  platform: string | undefined;
  sourceDateEpoch: number;
  buildArgs: [string, string][];
  timeoutMs: number;
  tempDir: string | undefined;
}

const MAX_DOCKERFILE = 1024 * 1024;
const MAX_BUILD_ARGS = 256;
const MAX_ARG_VALUE = 64 * 1024;
const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
const PLATFORM = /^[a-z0-9][a-z0-9._-]{0,63}\/[a-z0-9][a-z0-9._-]{0,63}(\/[a-z0-9][a-z0-9._-]{0,63})?$/;
/** 9999-12-31T23:59:59Z, the last second an RFC 3339 date can hold. */
const MAX_EPOCH = 253_402_300_799;
const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const invalid = (message: string) => buildahTerminal(BuildahErrorCode.dockerfileInvalid, message);

/** Checks everything that needs no file system; throws `build-dockerfile-invalid`. */
export function checkBuildOptions(opts: BuildahBuildOptions): CheckedBuild {
  const contextDir = checkPath(opts.contextDir, 'context directory');
  const where = `Dockerfile definition for ${shownPath(contextDir)}`;
  const text = opts.dockerfile;
  if (typeof text !== 'string' || text.length > MAX_DOCKERFILE || text.includes('\0')) {
    throw invalid(`${where} is not a text of at most ${MAX_DOCKERFILE} characters without NUL bytes`);
  }
  if (!isDockerfileDefinition(text)) {
    throw invalid(
      `${where} does not start with "# syntax=docker/dockerfile[:version]" (its first line is "${shown(text.split('\n', 1)[0] ?? '', 80)}")`,
    );
  }
  const outDir = checkPath(opts.outDir, 'output directory');
  // containers/image splits `oci:<path>:<reference>` at the first colon.
  if (outDir.includes(':'))
    throw invalid(
      `output directory ${shownPath(outDir)} contains ":", which buildah's oci: destination cannot express; choose another path`,
    );
  const platform = opts.platform;
  if (platform !== undefined && (typeof platform !== 'string' || !PLATFORM.test(platform))) {
    throw invalid(
      `platform "${shown(String(platform), 64)}" for ${where} is not os/arch[/variant] in lowercase, like "linux/amd64" or "linux/arm64/v8"`,
    );
  }
  const epoch = opts.sourceDateEpoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
    throw invalid(
      `SOURCE_DATE_EPOCH ${shown(String(epoch), 32)} for ${where} is not a whole number of seconds from 0 to ${MAX_EPOCH}`,
    );
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalid(
      `timeout ${shown(String(timeoutMs), 32)} ms for ${where} is not a whole number from 1 to ${MAX_TIMEOUT_MS}`,
    );
  }
  const tempDir = opts.tempDir === undefined ? undefined : checkPath(opts.tempDir, 'temporary directory');
  return {
    dockerfile: text,
    contextDir,
    outDir,
    platform,
    sourceDateEpoch: epoch,
    buildArgs: checkBuildArgs(opts.buildArgs ?? {}, epoch, where),
    timeoutMs,
    tempDir,
  };
}

function checkPath(path: unknown, what: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0'))
    throw invalid(`${what} "${shown(String(path), 64)}" is not a non-empty path without NUL bytes`);
  // Absolute: a relative context like `github.com/x` would be fetched by buildah as a git URL.
  return resolve(path);
}

/** The build args as `[name, value]`, SOURCE_DATE_EPOCH added (BuildKit sets it too). */
function checkBuildArgs(args: Record<string, string>, epoch: number, where: string): [string, string][] {
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw invalid(`build args for ${where} are not a name → value object`);
  const entries = Object.entries(args);
  if (entries.length > MAX_BUILD_ARGS)
    throw invalid(`${where} has ${entries.length} build args; at most ${MAX_BUILD_ARGS} are allowed`);
  for (const [name, value] of entries) {
    if (!ARG_NAME.test(name))
      throw invalid(
        `build arg name "${shown(name, 64)}" for ${where} is not [A-Za-z_][A-Za-z0-9_]* (at most 256 characters)`,
      );
    if (typeof value !== 'string' || value.includes('\0') || value.length > MAX_ARG_VALUE) {
      throw invalid(
        `build arg ${name} for ${where} is not a text of at most ${MAX_ARG_VALUE} characters without NUL bytes`,
      );
    }
    if (name === 'SOURCE_DATE_EPOCH' && value !== String(epoch)) {
      throw invalid(
        `build arg SOURCE_DATE_EPOCH "${shown(value, 32)}" for ${where} differs from sourceDateEpoch ${epoch}; set only sourceDateEpoch`,
      );
    }
  }
  const rest = entries.filter(([name]) => name !== 'SOURCE_DATE_EPOCH');
  return [['SOURCE_DATE_EPOCH', String(epoch)], ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))];
}
