import { isAbsolute } from 'node:path';
import { z } from 'zod';
import type { ApkRepository } from '@patch-factory/alpine';
import { parseTrack, VarNameSchema } from '../track-config.schema';
import { apkPackageName } from './apk-purl';

const SEGMENT = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/, 'expected letters, digits, ".", "_" or "-"');

/**
 * A `track:` entry of type alpine_package: the DHI fields (`package` purl, `set` variable)
 * plus where to read the index and which keys to trust.
 */
export const AlpinePackageTrackSchema = z.object({
  type: z.literal('alpine_package'),
  /** The package as a purl: `pkg:apk/alpine/<name>`. */
  package: z
    .string()
    .max(300)
    .regex(/^pkg:apk\//, 'expected a purl starting with pkg:apk/'),
  /** The variable the newest version sets. */
  set: VarNameSchema,
  /** The repository: mirror root URL (https, or http to loopback), branch (v3.22), repo (main), arch (x86_64). */
  repository: z.object({ url: z.string().min(1).max(500), branch: SEGMENT, repo: SEGMENT, arch: SEGMENT }),
  /** The directory of trusted PEM public keys, named as the index signatures name them. */
  keysDir: z
    .string()
    .min(1)
    .max(500)
    .refine((p) => isAbsolute(p), 'expected an absolute path'),
});

/** An alpine_package entry, validated. */
export interface AlpinePackageConfig {
  purl: string;
  /** The apk package name from the purl. */
  name: string;
  set: string;
  repository: ApkRepository;
  keysDir: string;
}

/** Validate an alpine_package entry (TerminalError(source-invalid-config) naming the field). */
export function parseAlpinePackageConfig(raw: unknown): AlpinePackageConfig {
  const t = parseTrack('alpine_package', AlpinePackageTrackSchema, raw);
  return { purl: t.package, name: apkPackageName(t.package), set: t.set, repository: t.repository, keysDir: t.keysDir };
}
