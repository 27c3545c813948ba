import { posix } from 'node:path';
import { shown, shownPath } from '@patch-factory/builder';
import { imageExecutable } from './image-path';
import { checkUser, type UserPolicyInput } from './policy-user';
import { isUnder, walkRoot, type RootEntry } from './root-walk';
import { scanFileForSecrets } from './secret-scan';

export type PolicyCheckId =
  'no-shell' | 'no-package-manager' | 'non-root-user' | 'no-setuid-setgid' | 'no-world-writable' | 'no-secrets';

/** One thing a check found: where (a path in the image, or a config field) and what. */
export interface PolicyFinding {
  path: string;
  kind: string;
  detail?: string;
}

export interface PolicyCheckResult {
  id: PolicyCheckId;
  status: 'passed' | 'failed' | 'skipped';
  findings: PolicyFinding[];
  message: string;
  durationMs: number;
}

export interface PolicyInput extends UserPolicyInput {
  /** The definition's `variant`; default `runtime`. Only runtime images must lack a shell and a package manager. */
  variant?: 'dev' | 'runtime' | 'helm';
  /** Regular files up to this size are searched for secrets (default 4 MiB); larger ones are counted as skipped. */
  secretScanMaxBytes?: number;
  /**
   * Paths (a file, or a directory and everything below it) whose secrets are known and
   * accepted, e.g. the self-test keys libgnutls embeds; their hits are not findings.
   */
  secretsAllowed?: readonly string[];
}

const BIN_DIRS = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];
export const SHELL_NAMES = [
  'sh',
  'ash',
  'bash',
  'rbash',
  'dash',
  'zsh',
  'ksh',
  'ksh93',
  'mksh',
  'lksh',
  'pdksh',
  'posh',
  'yash',
  'csh',
  'tcsh',
  'fish',
  'busybox',
  'toybox',
];
export const PACKAGE_MANAGER_NAMES = [
  'dpkg',
  'dpkg-deb',
  'dpkg-query',
  'dpkg-divert',
  'apt',
  'apt-get',
  'apt-cache',
  'apt-config',
  'apt-mark',
  'aptitude',
  'apk',
  'rpm',
  'yum',
  'dnf',
  'microdnf',
  'zypper',
];
/** World-writable is expected here (and below). */
export const WORLD_WRITABLE_OK = ['/tmp', '/var/tmp', '/dev/shm'];
const DEFAULT_SECRET_SCAN_MAX = 4 * 1024 * 1024;
const MAX_FINDINGS = 200;

/**
 * The checks a hardened image must pass, over its unpacked root (an lstat walk that never
 * follows a symlink out of it) and its config:
 * - `no-shell`, `no-package-manager` (runtime variant only, else skipped): no executable shell
 *   (`sh`, `bash`, `dash`, busybox…) or package manager (`dpkg`, `apt*`, `apk`, `rpm`…) in the
 *   bin directories (a symlink counts when it resolves inside the image to an executable);
 * - `non-root-user`: see checkUser;
 * - `no-setuid-setgid`: no file with the setuid or setgid bit;
 * - `no-world-writable`: nothing but symlinks and devices writable by all, outside /tmp,
 *   /var/tmp and /dev/shm; a world-writable directory with the sticky bit is fine;
 * - `no-secrets`: no private key (PEM, OpenSSH, PGP), AWS access key id or GitHub token in a
 *   regular file up to `secretScanMaxBytes`; findings name the file, kind and line, never the
 *   secret.
 */
export async function runPolicyChecks(root: string, input: PolicyInput = {}): Promise<PolicyCheckResult[]> {
  const entries = await walkRoot(root);
  const runtime = (input.variant ?? 'runtime') === 'runtime';
  const timed = async (
    id: PolicyCheckId,
    run: () => Promise<Omit<PolicyCheckResult, 'id' | 'durationMs'>>,
  ): Promise<PolicyCheckResult> => {
    const start = Date.now();
    const r = await run();
    return { id, ...r, findings: r.findings.slice(0, MAX_FINDINGS), durationMs: Date.now() - start };
  };
  return [
    await timed('no-shell', () => programsCheck(root, entries, runtime, SHELL_NAMES, 'shell', input.variant)),
    await timed('no-package-manager', () =>
      programsCheck(root, entries, runtime, PACKAGE_MANAGER_NAMES, 'package manager', input.variant),
    ),
    await timed('non-root-user', () => checkUser(root, input)),
    await timed('no-setuid-setgid', () => Promise.resolve(setuidCheck(entries))),
    await timed('no-world-writable', () => Promise.resolve(worldWritableCheck(entries))),
    await timed('no-secrets', () =>
      secretsCheck(root, entries, input.secretScanMaxBytes ?? DEFAULT_SECRET_SCAN_MAX, input.secretsAllowed ?? []),
    ),
  ];
}

type CheckBody = Omit<PolicyCheckResult, 'id' | 'durationMs'>;

function verdict(findings: PolicyFinding[], ok: string, bad: (n: number) => string): CheckBody {
  if (findings.length === 0) return { status: 'passed', findings, message: ok };
  const first = findings
    .slice(0, 5)
    .map((f) => `${shownPath(f.path)} (${f.kind})`)
    .join(', ');
  return {
    status: 'failed',
    findings,
    message: `${bad(findings.length)}: ${first}${findings.length > 5 ? ', …' : ''}`,
  };
}

async function programsCheck(
  root: string,
  entries: RootEntry[],
  runtime: boolean,
  names: readonly string[],
  what: string,
  variant: string | undefined,
): Promise<CheckBody> {
  if (!runtime)
    return { status: 'skipped', findings: [], message: `the ${shown(variant ?? '', 20)} variant may ship a ${what}` };
  const wanted = new Set(names);
  const findings: PolicyFinding[] = [];
  for (const e of entries) {
    const base = posix.basename(e.path);
    const inBin = BIN_DIRS.includes(posix.dirname(e.path));
    if (!(inBin && wanted.has(base)) && !(base === 'busybox' && what === 'shell')) continue;
    if (e.stat.isFile() && (e.stat.mode & 0o111) !== 0) findings.push({ path: e.path, kind: `${what} ${base}` });
    else if (e.stat.isSymbolicLink()) {
      const target = await imageExecutable(root, e.path);
      if (target !== undefined)
        findings.push({ path: e.path, kind: `${what} ${base}`, detail: `symlink to ${target}` });
    }
  }
  return verdict(
    findings,
    `no ${what} in the runtime image`,
    (n) => `the runtime image ships ${n} ${what} program${n === 1 ? '' : 's'}`,
  );
}

function setuidCheck(entries: RootEntry[]): CheckBody {
  const findings: PolicyFinding[] = [];
  for (const e of entries) {
    if (e.stat.isDirectory() || e.stat.isSymbolicLink()) continue;
    const bits = e.stat.mode & 0o6000;
    if (bits === 0) continue;
    const kind = bits === 0o6000 ? 'setuid+setgid' : bits === 0o4000 ? 'setuid' : 'setgid';
    findings.push({ path: e.path, kind, detail: `mode ${mode(e)} owner ${e.stat.uid}:${e.stat.gid}` });
  }
  return verdict(findings, 'no setuid or setgid files', (n) => `${n} setuid/setgid file${n === 1 ? '' : 's'}`);
}

function worldWritableCheck(entries: RootEntry[]): CheckBody {
  const findings: PolicyFinding[] = [];
  for (const e of entries) {
    const s = e.stat;
    if (s.isSymbolicLink() || s.isCharacterDevice() || s.isBlockDevice() || (s.mode & 0o002) === 0) continue;
    if (WORLD_WRITABLE_OK.some((dir) => isUnder(e.path, dir))) continue;
    if (s.isDirectory() && (s.mode & 0o1000) !== 0) continue;
    findings.push({
      path: e.path,
      kind: s.isDirectory() ? 'world-writable directory' : 'world-writable file',
      detail: `mode ${mode(e)}`,
    });
  }
  return verdict(
    findings,
    `nothing world-writable outside ${WORLD_WRITABLE_OK.join(', ')} (sticky directories allowed)`,
    (n) => `${n} world-writable entr${n === 1 ? 'y' : 'ies'}`,
  );
}

async function secretsCheck(
  root: string,
  entries: RootEntry[],
  maxBytes: number,
  allowed: readonly string[],
): Promise<CheckBody> {
  const findings: PolicyFinding[] = [];
  let scanned = 0;
  let skipped = 0;
  for (const e of entries) {
    if (!e.stat.isFile() || allowed.some((a) => isUnder(e.path, a))) continue;
    if (e.stat.size > maxBytes) {
      skipped++;
      continue;
    }
    scanned++;
    for (const hit of await scanFileForSecrets(root, e.path))
      findings.push({ path: e.path, kind: hit.kind, detail: `line ${hit.line}` });
  }
  const counts = `${scanned} files searched, ${skipped} over ${maxBytes} bytes not searched${allowed.length > 0 ? `, ${allowed.length} allowed paths` : ''}`;
  const body = verdict(
    findings,
    `no private keys or tokens (${counts})`,
    (n) => `${n} secret${n === 1 ? '' : 's'} found (${counts})`,
  );
  return body;
}

function mode(e: RootEntry): string {
  return (e.stat.mode & 0o7777).toString(8).padStart(4, '0');
}
