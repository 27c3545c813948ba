import type { Definition } from '@patch-factory/definitions';
import { imageReferenceProblem } from '@patch-factory/oci';
import { shown } from '../builder-errors';
import { checkRunConfig, type ImageRunConfig } from './image-config';
import { OciWriteErrorCode, ociTerminal } from './oci-errors';

/** PATH of a Debian image when the definition sets none (Debian's login.defs ENV_SUPATH). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NUMERIC_USER = /^[0-9]{1,10}(:[0-9]{1,10})?$/;
const SIGNAL = /^(SIG[A-Z0-9+-]{1,16}|[0-9]{1,2})$/;
const PORT = /^([0-9]{1,5})(\/(tcp|udp|sctp))?$/;

/**
 * The image config a definition asks for: `accounts.run-as` as a numeric `uid:gid` (a name
 * is looked up in `accounts.users`, so runtimes can check run-as-non-root without reading
 * /etc/passwd; `root` is `0:0`), `environment` (with Debian's PATH when it sets none),
 * `entrypoint`, `cmd`, `work-dir`, `ports` (`6379` → `6379/tcp`), `stop-signal` and
 * `labels`. Throws `build-image-invalid` naming the field for a run-as user the definition
 * does not define, a bad port or signal.
 */
export function definitionRunConfig(def: Definition, where: string): ImageRunConfig {
  const bad = (field: string, why: string) => ociTerminal(OciWriteErrorCode.imageInvalid, `${where}: ${field}: ${why}`);
  const config: ImageRunConfig = {};
  const runAs = def.accounts?.['run-as'];
  if (runAs !== undefined) config.User = runAsUser(runAs, def, (why) => bad('accounts.run-as', why));
  const env = { ...(def.environment ?? {}) };
  if (env['PATH'] === undefined) env['PATH'] = DEFAULT_PATH;
  config.Env = Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(k)) throw bad('environment', `"${shown(k, 64)}" is not a variable name`);
    return `${k}=${v}`;
  });
  if (def.entrypoint !== undefined) config.Entrypoint = [...def.entrypoint];
  if (def.cmd !== undefined) config.Cmd = [...def.cmd];
  if (def['work-dir'] !== undefined) {
    if (!def['work-dir'].startsWith('/'))
      throw bad('work-dir', `"${shown(def['work-dir'], 80)}" is not an absolute path`);
    config.WorkingDir = def['work-dir'];
  }
  if (def.ports !== undefined) {
    config.ExposedPorts = {};
    for (const port of def.ports) {
      const m = PORT.exec(port);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535)
        throw bad('ports', `"${shown(port, 32)}" is not <1-65535>[/tcp|udp|sctp]`);
      config.ExposedPorts[`${Number(m[1])}/${m[3] ?? 'tcp'}`] = {};
    }
  }
  if (def['stop-signal'] !== undefined) {
    if (!SIGNAL.test(def['stop-signal']))
      throw bad('stop-signal', `"${shown(def['stop-signal'], 32)}" is not a signal like SIGTERM`);
    config.StopSignal = def['stop-signal'];
  }
  if (def.labels !== undefined) config.Labels = { ...def.labels };
  return checkRunConfig(config, where);
}

function runAsUser(runAs: string, def: Definition, bad: (why: string) => Error): string {
  if (NUMERIC_USER.test(runAs)) return runAs.includes(':') ? runAs : `${runAs}:${runAs}`;
  if (runAs === 'root') return '0:0';
  const user = def.accounts?.users?.find((u) => u.name === runAs);
  if (!user) throw bad(`user "${shown(runAs, 40)}" is not in accounts.users; add it or give a numeric uid:gid`);
  return `${user.uid}:${user.gid}`;
}

/**
 * The annotation holding the definition's `image` (its name by the OCI reference grammar:
 * `examples/redis`, `registry.example.org:5000/examples/redis:7.0`), for SBOMs and purls.
 */
export const IMAGE_NAME_ANNOTATION = 'dev.patch-factory.image.name';

/**
 * The image's annotations: the definition's `annotations`, plus its name and repository, checked
 * as strings. Its `image` must be a name by the OCI reference grammar (libs/oci), a registry
 * host with a port included; else `build-image-invalid` naming `where` and why.
 */
export function definitionAnnotations(def: Definition, where = 'the definition'): Record<string, string> {
  const out: Record<string, string> = {};
  if (def.name !== undefined) out['org.opencontainers.image.title'] = def.name;
  if (def.image !== undefined) {
    const problem = imageReferenceProblem(def.image);
    if (problem !== undefined) throw ociTerminal(OciWriteErrorCode.imageInvalid, `${where}: image: ${problem}`);
    out[IMAGE_NAME_ANNOTATION] = def.image;
  }
  for (const [k, v] of Object.entries(def.annotations ?? {})) out[k] = v;
  return out;
}

/** Debian's architecture name of an OCI platform (`linux/arm64` → `arm64`). */
export function debianArchitecture(platform: string): string {
  const arch = Object.hasOwn(PLATFORM_ARCH, platform) ? PLATFORM_ARCH[platform] : undefined;
  if (arch === undefined)
    throw ociTerminal(
      OciWriteErrorCode.imageInvalid,
      `platform "${shown(platform, 40)}" is not one the builder knows (${Object.keys(PLATFORM_ARCH).join(', ')})`,
    );
  return arch;
}

const PLATFORM_ARCH: Record<string, string> = {
  'linux/amd64': 'amd64',
  'linux/arm64': 'arm64',
  'linux/arm64/v8': 'arm64',
  'linux/arm/v7': 'armhf',
  'linux/386': 'i386',
  'linux/ppc64le': 'ppc64el',
  'linux/s390x': 's390x',
  'linux/riscv64': 'riscv64',
};

/** `linux/arm64/v8` → { os, architecture, variant }. */
export function splitPlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os = '', architecture = '', variant] = platform.split('/');
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}
