import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { shown } from '../builder-errors';
import { KEYRING_NAME } from './repository-line';
import { BuildSourceErrorCode, sourceTerminal } from './source-errors';

/** The trusted keyrings: the operator's directory and its default keyring file name. */
export interface KeyringChoice {
  keyringDir: string;
  defaultKeyring?: string;
}

/**
 * The keyring file that verifies a repository line: the base name of its `signed-by=` (or the
 * operator's default keyring) inside `keyringDir`. A definition names a keyring but never brings
 * one: whatever path it writes, only a file of that base name in the directory is trusted.
 * Throws `build-keyring-missing` (no signed-by= and no default, or no such file) and
 * `build-repository-invalid` (a default keyring that is not a plain file name), naming `where`.
 */
export function resolveKeyring(signedBy: string | undefined, choice: KeyringChoice, where: string): string {
  const dir = resolve(choice.keyringDir);
  let name: string;
  if (signedBy !== undefined) {
    name = signedBy.slice(signedBy.lastIndexOf('/') + 1);
    if (!KEYRING_NAME.test(name))
      throw sourceTerminal(
        BuildSourceErrorCode.repositoryInvalid,
        `${where}: signed-by=${shown(signedBy, 80)} is not a keyring file name`,
      );
  } else if (choice.defaultKeyring !== undefined) {
    name = choice.defaultKeyring;
    if (!KEYRING_NAME.test(name)) {
      throw sourceTerminal(
        BuildSourceErrorCode.repositoryInvalid,
        `default keyring "${shown(name, 80)}" (for ${where}) is not a plain file name in the keyring directory ${shown(dir)}`,
      );
    }
  } else {
    throw sourceTerminal(
      BuildSourceErrorCode.keyringMissing,
      `${where} has no signed-by= and no default keyring is configured: add signed-by=<keyring file> to the line (a file in ${shown(dir)})`,
    );
  }
  const path = join(dir, name);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // missing or unreadable: reported below
  }
  if (!isFile) {
    const via = signedBy !== undefined ? `its signed-by=${shown(signedBy, 80)}` : 'the default keyring';
    throw sourceTerminal(
      BuildSourceErrorCode.keyringMissing,
      `${where}: ${via} names ${shown(name, 80)}, which is not a file in the trusted keyring directory ${shown(dir)}; the operator must install that keyring there (a definition cannot add trust)`,
    );
  }
  return path;
}
