// Test helpers (not a suite): the independent tools that read the built images — skopeo,
// umoci, bubblewrap, unshare/chroot, dpkg-query, openssl — run as separate processes.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args…` to its end (never throws on a non-zero exit); killed after `timeoutMs`. */
export function tool(
  cmd: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ToolResult> {
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like `tool`, but a non-zero exit is an error naming the command and its stderr. */
export async function ok(cmd: string, args: readonly string[]): Promise<string> {
  const res = await tool(cmd, args);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.code}:\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

/** What `skopeo inspect` reports of an image. */
export interface SkopeoImage {
  Digest: string;
  Architecture: string;
  Os: string;
  Layers: string[];
}

/** `skopeo [--override-arch A] inspect oci:<layout>:<tag>`. */
export async function skopeoInspect(layout: string, tag: string, arch?: string): Promise<SkopeoImage> {
  const override = arch ? ['--override-arch', arch] : [];
  return JSON.parse(await ok('skopeo', [...override, 'inspect', `oci:${layout}:${tag}`])) as SkopeoImage;
}

/** `skopeo copy` between two OCI layouts (`--all`: every platform, else the one chosen by `arch`, default the host's). */
export async function skopeoCopy(
  from: string,
  fromTag: string,
  to: string,
  toTag: string,
  opts: { all?: boolean; arch?: string } = {},
): Promise<void> {
  mkdirSync(dirname(to), { recursive: true }); // skopeo creates the layout, not its parent
  const flags = [
    ...(opts.arch ? ['--override-arch', opts.arch] : []),
    'copy',
    '--quiet',
    ...(opts.all ? ['--all'] : []),
  ];
  await ok('skopeo', [...flags, `oci:${from}:${fromTag}`, `oci:${to}:${toTag}`]);
}

/** `umoci unpack --image <layout>:<tag> <bundle>`, as root (owners kept). */
export function umociUnpack(layout: string, tag: string, bundle: string): Promise<ToolResult> {
  return tool('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
}

/** `argv` in the root under bubblewrap: every namespace unshared, the root bound as `/`. */
export function inBwrap(rootfs: string, argv: readonly string[]): Promise<ToolResult> {
  return tool('bwrap', [
    '--bind',
    rootfs,
    '/',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--unshare-all',
    '--die-with-parent',
    ...argv,
  ]);
}

/** `argv` in the root under `unshare --net --pid --fork --mount chroot`. */
export function inChroot(rootfs: string, argv: readonly string[]): Promise<ToolResult> {
  return tool('unshare', ['--net', '--pid', '--fork', '--mount', 'chroot', rootfs, ...argv]);
}

/** `name version` of every package in the root's dpkg database, read by the host's dpkg-query. */
export async function dpkgQuery(rootfs: string, format = '${Package} ${Version}\n'): Promise<string[]> {
  const out = await ok('dpkg-query', [`--admindir=${rootfs}/var/lib/dpkg`, '-W', '-f', format]);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}
