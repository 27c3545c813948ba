import { shown } from '../builder-errors';
import { OciWriteErrorCode, ociTerminal } from './oci-errors';

/** The runtime part of an OCI image config (field names as in the image-spec). */
export interface ImageRunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  /** `{"8080/tcp": {}}`, as the image-spec writes it. */
  ExposedPorts?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Labels?: Record<string, string>;
}

export interface ImagePlatform {
  os: string;
  architecture: string;
  variant?: string;
}

const PLATFORM_WORD = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PORT = /^[0-9]{1,5}(\/(tcp|udp|sctp))?$/;
const MAX_TEXT = 64 * 1024;

/** Checks a platform's os/architecture/variant: short lowercase words. */
export function checkPlatform(p: ImagePlatform): ImagePlatform {
  for (const [field, value] of [
    ['os', p.os],
    ['architecture', p.architecture],
    ['variant', p.variant],
  ] as const) {
    if (value === undefined && field === 'variant') continue;
    if (typeof value !== 'string' || !PLATFORM_WORD.test(value)) {
      throw ociTerminal(
        OciWriteErrorCode.imageInvalid,
        `platform ${field} "${shown(String(value), 64)}" is not a lowercase word like "linux", "arm64" or "v8"`,
      );
    }
  }
  return p.variant === undefined
    ? { os: p.os, architecture: p.architecture }
    : { os: p.os, architecture: p.architecture, variant: p.variant };
}

/**
 * Checks a run config and returns a copy holding only the known fields (a hostile object's
 * extra keys do not reach the image): strings without NUL, `Env` entries `NAME=value`,
 * ports `<n>[/tcp|udp|sctp]`.
 */
export function checkRunConfig(c: ImageRunConfig, what: string): ImageRunConfig {
  const bad = (why: string) => ociTerminal(OciWriteErrorCode.imageInvalid, `${what} config: ${why}`);
  const text = (field: string, v: unknown): string => {
    if (typeof v !== 'string' || v.includes('\0') || v.length > MAX_TEXT)
      throw bad(`${field} is not a string without NUL bytes`);
    return v;
  };
  const list = (field: string, v: unknown): string[] => {
    if (!Array.isArray(v)) throw bad(`${field} is not a list of strings`);
    return v.map((s: unknown) => text(field, s));
  };
  const out: ImageRunConfig = {};
  if (c.User !== undefined) out.User = text('User', c.User);
  if (c.Env !== undefined) {
    out.Env = list('Env', c.Env);
    for (const e of out.Env) if (!/^[^=]+=/.test(e)) throw bad(`Env entry "${shown(e, 64)}" is not NAME=value`);
  }
  if (c.Entrypoint !== undefined) out.Entrypoint = list('Entrypoint', c.Entrypoint);
  if (c.Cmd !== undefined) out.Cmd = list('Cmd', c.Cmd);
  if (c.WorkingDir !== undefined) out.WorkingDir = text('WorkingDir', c.WorkingDir);
  if (c.StopSignal !== undefined) out.StopSignal = text('StopSignal', c.StopSignal);
  if (c.ExposedPorts !== undefined) {
    const ports = Object.keys(c.ExposedPorts);
    for (const port of ports)
      if (!PORT.test(port)) throw bad(`exposed port "${shown(port, 32)}" is not <number>[/tcp|udp|sctp]`);
    out.ExposedPorts = Object.fromEntries(ports.map((port) => [port, {}]));
  }
  if (c.Labels !== undefined) {
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    out.Labels = Object.fromEntries(
      Object.entries(c.Labels).map(([k, v]) => [text('label name', k), text(`label ${shown(k, 64)}`, v)]),
    );
  }
  return out;
}

/** SOURCE_DATE_EPOCH as RFC 3339 UTC without fractions: `2024-01-02T03:04:05Z`. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
