import type { CheckedBuild } from './buildah-options';
import type { BuildahStorage } from './buildah-storage';

/**
 * `buildah build` for buildah 1.28 (Debian 12), every flag as one `--name=value` word (a value
 * never reads as a flag):
 * - `--isolation=chroot`: no OCI runtime needed (crun fails where cgroups are hybrid);
 * - `--timestamp`: the config's created time and every entry of the new layer get this mtime;
 * - `--omit-history`: no history, whose `created_by` would carry build-arg values and
 *   buildah's own wording; `--identity-label=false`: no `io.buildah.version` label;
 * - `--layers=false`: one layer for all of the Dockerfile's steps, nothing cached.
 * 1.28 has no `--source-date-epoch`/`--rewrite-timestamp` and ignores the SOURCE_DATE_EPOCH
 * variable; it gets SOURCE_DATE_EPOCH as a build arg, as BuildKit passes it.
 */
export function buildArgs(build: CheckedBuild, storage: BuildahStorage): string[] {
  return [
    ...storage.globalArgs,
    'build',
    '--isolation=chroot',
    '--format=oci',
    `--timestamp=${build.sourceDateEpoch}`,
    '--omit-history',
    '--identity-label=false',
    '--layers=false',
    ...(build.platform ? [`--platform=${build.platform}`] : []),
    ...build.buildArgs.map(([name, value]) => `--build-arg=${name}=${value}`),
    `--iidfile=${storage.imageIdFile}`,
    `--file=${storage.dockerfile}`,
    build.contextDir,
  ];
}

/** `buildah push` of the built image (by id) into the OCI layout `outDir`, gzip layers. */
export function pushArgs(build: CheckedBuild, storage: BuildahStorage, imageId: string): string[] {
  return [
    ...storage.globalArgs,
    'push',
    '--format=oci',
    '--compression-format=gzip',
    '--remove-signatures',
    '--retry=0',
    `--digestfile=${storage.digestFile}`,
    imageId,
    `oci:${build.outDir}`,
  ];
}
