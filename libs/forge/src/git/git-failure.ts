import { ForgeErrorCode } from '../forge-errors';

/** What a failed git command means for the job. */
export interface GitFailureClass {
  /** True: the same command may pass later (network, server, lock); false: a person must act. */
  retryable: boolean;
  code: ForgeErrorCode;
  /** What to do, for the error message (appended to git's own words). */
  hint: string;
}

interface Rule extends GitFailureClass {
  pattern: RegExp;
}

const AUTH_HINT = 'check the token (or key) and that it may read and write the repository';

/**
 * Rules in order; the first that matches git's output wins. Authentication first (an HTTP 401
 * also prints "RPC failed"), then the failures that pass by themselves, then the ones that
 * do not. Anything else stays retryable (forge-git-failed): an unknown failure gets its retries.
 */
const RULES: Rule[] = [
  {
    pattern:
      /authentication failed|could not read (username|password)|terminal prompts disabled|returned error: 40[13]\b|HTTP 40[13]\b|access denied|invalid credentials|invalid username or password|permission denied \((publickey|password|keyboard)|permission to .* denied|write access to repository not granted/i,
    retryable: false,
    code: ForgeErrorCode.gitAuth,
    hint: AUTH_HINT,
  },
  {
    pattern: /refusing to update checked out branch|branch is currently checked out/i,
    retryable: false,
    code: ForgeErrorCode.remoteNotBare,
    hint: 'the remote is a repository with a working tree and that branch checked out: use a bare repository as the catalog remote (git clone --bare)',
  },
  {
    pattern:
      /certificate|host key verification failed|protocol .* is not supported|transport .* not allowed|unsupported url/i,
    retryable: false,
    code: ForgeErrorCode.gitRefused,
    hint: 'check the remote URL and the machine’s TLS/SSH setup',
  },
  {
    pattern:
      /could not resolve (host|proxy)|connection refused|failed to connect|couldn't connect|could not connect|connection reset|connection timed out|timed out|timeout|network is unreachable|no route to host|early eof|the remote end hung up unexpectedly|unexpected disconnect|gnutls|ssl_read|ssl_connect|openssl ssl|broken pipe|temporary failure|returned error: 5\d\d|HTTP 5\d\d|HTTP\/[\d.]+ 5\d\d|RPC failed|could not lock|cannot lock ref|unable to create '[^']*\.lock'|\.lock': file exists|resource temporarily unavailable|no space left on device|transfer closed/i,
    retryable: true,
    code: ForgeErrorCode.gitFailed,
    hint: 'a network, server or lock failure that may pass: the job is retried',
  },
  {
    pattern:
      /repository .* not found|does not appear to be a git repository|returned error: 404|HTTP 404|not a git repository|could not read from remote repository|no such remote/i,
    retryable: false,
    code: ForgeErrorCode.gitRemoteMissing,
    hint: 'check the catalog remote: the repository does not exist there, or the credentials cannot see it',
  },
  {
    pattern: /remote rejected|pre-receive hook declined|protected branch|hook declined/i,
    retryable: false,
    code: ForgeErrorCode.pushRefused,
    hint: 'the remote refused the push (branch protection or a server hook): a person must allow it',
  },
  {
    pattern:
      /invalid ref|bad name|needed a single revision|not a valid ref|not a valid branch name|is not a valid|bad revision|bad object|invalid object|not a valid object name|unknown revision|ambiguous argument|couldn't find remote ref|bad config|dubious ownership|unsafe repository|fatal: unable to access .*: URL using bad|insufficient permission|permission denied|read-only file system/i,
    retryable: false,
    code: ForgeErrorCode.gitRefused,
    hint: 'git refused the command; retrying will not change that',
  },
];

/** Classify a failed git command by its own output (stderr and the error text). */
export function classifyGitFailure(output: string): GitFailureClass {
  for (const rule of RULES) {
    if (rule.pattern.test(output)) return { retryable: rule.retryable, code: rule.code, hint: rule.hint };
  }
  return { retryable: true, code: ForgeErrorCode.gitFailed, hint: 'an unrecognised git failure: the job is retried' };
}
