import { BuilderErrorCode, builderTerminal, shown } from '../builder-errors';

/** One entry of a definition's `contents.packages`. */
export type PackageSpec =
  | { kind: 'name'; name: string; arch?: string }
  | { kind: 'pin'; name: string; arch?: string; version: string; text: string }
  | { kind: 'exclude'; name: string };

const SPEC = /^(!)?([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9][a-z0-9-]*))?(?:=((?:\d+:)?[0-9][A-Za-z0-9.+~:-]*))?$/;

/**
 * Parses `name`, `name:arch`, `name=version` (a pin) and `!name` (an exclusion). Throws
 * `build-spec-invalid` naming the entry for anything else.
 */
export function parsePackageSpec(text: string): PackageSpec {
  const trimmed = text.trim();
  const m = SPEC.exec(trimmed);
  if (!m || trimmed.length > 300) {
    throw builderTerminal(
      BuilderErrorCode.specInvalid,
      `contents.packages entry "${shown(text, 80)}" is not a package: expected name, name=version or !name`,
    );
  }
  const [, bang, name = '', arch, version] = m;
  if (bang) {
    if (arch !== undefined || version !== undefined) {
      throw builderTerminal(
        BuilderErrorCode.specInvalid,
        `exclusion "${shown(text, 80)}" must be a bare name (!${name})`,
      );
    }
    return { kind: 'exclude', name };
  }
  if (version !== undefined) return { kind: 'pin', name, version, text: trimmed, ...(arch ? { arch } : {}) };
  return { kind: 'name', name, ...(arch ? { arch } : {}) };
}
