import { TerminalError } from '@patch-factory/contracts';
import { ForgeErrorCode } from '../forge-errors';
import { quoteInput } from '../safe-input';

/** Who commits: a name and an email, from configuration (never the machine's git config). */
export interface GitIdentity {
  name: string;
  email: string;
}

/** Check an identity: printable ASCII, no `<>` or line breaks, an email with one `@`. */
export function assertGitIdentity(what: string, value: GitIdentity | undefined): GitIdentity {
  const name = value?.name;
  const email = value?.email;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9 ._()[\]-]{0,99}$/.test(name)) {
    throw new TerminalError(
      ForgeErrorCode.invalidConfig,
      `the ${what} name ${quoteInput(name)} is refused: expected 1–100 letters, digits, spaces and . _ ( ) [ ] -`,
    );
  }
  if (typeof email !== 'string' || !/^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}$/.test(email)) {
    throw new TerminalError(
      ForgeErrorCode.invalidConfig,
      `the ${what} email ${quoteInput(email)} is refused: expected local@domain`,
    );
  }
  return { name, email };
}
