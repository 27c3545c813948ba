import { readTar, type TarEntry, type TarErrorCodes, type TarReadOptions } from '@patch-factory/oci';
import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';
import { readAr, type ArMember } from './ar-read';
import { parseControl } from './control-parse';
import { decompressMember, type MemberCompression } from './member-decompress';

/** A package's tars fail with the builder's codes: broken is build-deb-invalid, escaping the root build-unsafe-archive, a device build-unsupported-entry. */
export const DEB_TAR_CODES: TarErrorCodes = {
  invalid: BuilderErrorCode.debInvalid,
  unsafe: BuilderErrorCode.unsafeArchive,
  unsupported: BuilderErrorCode.unsupportedEntry,
};
const DEB_TAR = { codes: DEB_TAR_CODES, hint: 'download the package again' };

/** A tar of a package (control.tar, data.tar) read by libs/oci's tar reader with the builder's codes. */
export function readPackageTar(tar: Buffer, opts: Omit<TarReadOptions, 'codes' | 'hint'>): TarEntry[] {
  return readTar(tar, { ...opts, ...DEB_TAR });
}

export interface DebReadOptions {
  /** Names the package in messages (e.g. its file name). */
  what: string;
  /** At most this many bytes out of control.tar (default 16 MiB). */
  maxControlSize?: number;
  /** At most this many bytes out of data.tar (default 2 GiB). */
  maxDataSize?: number;
  /** At most this many entries per tar (default 200000). */
  maxEntries?: number;
}

export interface DebContents {
  /** Fields of the `control` file. */
  control: Record<string, string>;
  /** Entries of control.tar (control, md5sums, maintainer scripts…). */
  controlEntries: TarEntry[];
  /** Entries of data.tar: the files the package installs. */
  dataEntries: TarEntry[];
}

const SUFFIX: Record<string, MemberCompression> = { '': 'none', '.gz': 'gz', '.xz': 'xz', '.zst': 'zst' };

/**
 * Reads a .deb: `debian-binary` (format 2.x), `control.tar[.gz|.xz|.zst]` and
 * `data.tar[.gz|.xz|.zst]`, in that order, every path checked to stay in the image root.
 * Throws `build-deb-invalid`, `build-deb-too-large`, `build-decompress-failed`,
 * `build-unsafe-archive` or `build-unsupported-entry`, naming the package and the entry.
 */
export async function readDeb(buf: Buffer, opts: DebReadOptions): Promise<DebContents> {
  const { what } = opts;
  const bad = (why: string) =>
    builderTerminal(BuilderErrorCode.debInvalid, `${what} is not a valid .deb: ${why}; download it again`);
  const members = readAr(buf, what);
  const [first, second, third] = members;
  if (first?.name !== 'debian-binary') throw bad('its first member is not debian-binary');
  if (!/^2\.\d+\n/.test(first.data.toString('latin1')))
    throw bad(`format "${shown(first.data.toString('latin1', 0, 16).trim(), 16)}" is not 2.x`);
  const control = tarMember(second, 'control.tar', bad);
  const data = tarMember(third, 'data.tar', bad);
  for (const extra of members.slice(3)) if (!extra.name.startsWith('_')) throw bad(`unexpected member ${extra.name}`);

  const controlWhat = `${what} ${control.member.name}`;
  const dataWhat = `${what} ${data.member.name}`;
  // Both members are asked for at once, so they join the same xz batch (see XzBatcher).
  const [controlTar, dataTar] = await Promise.all([
    decompressMember(control.member.data, control.compression, controlWhat, opts.maxControlSize ?? 16 * 1024 * 1024),
    decompressMember(data.member.data, data.compression, dataWhat, opts.maxDataSize ?? 2 * 1024 * 1024 * 1024),
  ]);
  const controlEntries = readTar(controlTar, {
    what: controlWhat,
    ...DEB_TAR,
    ...(opts.maxEntries ? { maxEntries: opts.maxEntries } : {}),
  });
  const controlFile = controlEntries.find((e) => e.path === 'control' && e.type === 'file');
  if (!controlFile) throw bad(`${control.member.name} has no control file`);

  const dataEntries = readTar(dataTar, {
    what: dataWhat,
    ...DEB_TAR,
    ...(opts.maxEntries ? { maxEntries: opts.maxEntries } : {}),
  });
  return { control: parseControl(controlFile.data.toString('utf8'), what), controlEntries, dataEntries };
}

function tarMember(
  member: ArMember | undefined,
  base: string,
  bad: (why: string) => Error,
): { member: ArMember; compression: MemberCompression } {
  if (member === undefined || !member.name.startsWith(base)) throw bad(`member ${base}.* is missing or out of order`);
  const compression = SUFFIX[member.name.slice(base.length)];
  if (compression === undefined) throw bad(`member ${member.name} has an unsupported compression`);
  return { member, compression };
}
