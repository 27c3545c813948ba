import { isRecord } from '@patch-factory/contracts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findOperation, type DescribedOperation } from './openapi-description';
import { validateRequest, validateResponse } from './openapi-validator';
import { createGithubBranches, type DoubleBranchHead } from './github-branches';
import {
  createGithubChecks,
  type CheckRunSeed,
  type DoubleStatusState,
  type RequiredChecksSeed,
} from './github-checks';
import { faultAnswer, type GithubFault, type GithubFaultKind } from './github-faults';
import { fakeSha, type DoublePull } from './github-pulls';
import { createGithubRepoState, DOCS, notFound, text, type Answer, type PullSeed } from './github-repo-state';
import {
  conditional,
  createGithubVersions,
  type DoubleRelease,
  type DoubleTag,
  type ReleaseSeed,
} from './github-versions';

export interface GithubDoubleOptions {
  owner?: string;
  repo?: string;
  /** The only token accepted (`Authorization: token …` or `Bearer …`); others get 401. */
  token?: string;
  /** Time for recorded requests and rate-limit headers (share a ManualClock with the client). */
  now?: () => number;
  /** A branch's head commit (e.g. CatalogOrigin.head); undefined: no such branch. Default: every branch exists. */
  resolveBranch?: (branch: string) => string | undefined;
}

/** One request the double answered. No headers are kept (they carry the token). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  operationId: string | undefined;
  status: number;
  /** The double's clock when the request arrived (ms). */
  at: number;
  body: unknown;
  fault: GithubFaultKind | undefined;
}

/** A request or response that does not match GitHub's OpenAPI description. */
export interface ContractViolation {
  phase: 'route' | 'request' | 'response';
  method: string;
  path: string;
  operationId: string | undefined;
  errors: string[];
}

export interface GithubDouble {
  /** The API root to give the client as baseUrl. */
  url: string;
  owner: string;
  repo: string;
  requests: RecordedRequest[];
  violations: ContractViolation[];
  pulls: DoublePull[];
  /** Answer the next matching request(s) with a fault. Faults queue in order. */
  failNext(fault: GithubFault): void;
  /** Set the status of one context (default `ci/double`) on a commit (default: no statuses, combined state pending, total 0). */
  setCommitStatus(sha: string, state: DoubleStatusState, context?: string): void;
  /** Set a check run on a commit (a GitHub Actions job by default); replaces the run of the same name and app. */
  setCheckRun(sha: string, run: CheckRunSeed): void;
  /** Protect `branch` with these required status checks; undefined: not protected (404). */
  setRequiredChecks(branch: string, required: RequiredChecksSeed | undefined): void;
  /** Make a pull request (un)mergeable: merging it answers 405. */
  setMergeable(number: number, mergeable: boolean): void;
  /** The next successful answer says `x-ratelimit-remaining: 0` until `resetEpochSeconds`. */
  announceRateLimitExhausted(resetEpochSeconds: number): void;
  /** Add a pull request as someone else would (a person, an older factory, a fork). */
  addPull(p: PullSeed): DoublePull;
  /** Publish a release (repos/list-releases lists the newest first). */
  addRelease(r: ReleaseSeed): DoubleRelease;
  /** Push a tag (repos/list-tags lists the newest first); sha defaults to a fake commit. */
  addTag(name: string, sha?: string): DoubleTag;
  /** Move `branch` to `sha` (repos/get-branch answers it; pull requests see it), committed at `committedAt` (ms; default: now). */
  setBranchHead(branch: string, sha: string, committedAt?: number): DoubleBranchHead;
  /** The repository's default branch (repos/get `default_branch`; default `main`). */
  setDefaultBranch(branch: string): void;
  /** Requests that created content (POST, PATCH, PUT, DELETE) and were answered. */
  writes(): RecordedRequest[];
  /** Throw with every recorded violation, if any. */
  assertNoViolations(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A local stand-in for api.github.com (127.0.0.1, a free port) with in-memory pull requests.
 * It implements the operations the github forge uses — pulls/list, pulls/create, pulls/get,
 * pulls/update, pulls/merge, issues/add-labels, issues/remove-label,
 * repos/get-combined-status-for-ref, checks/list-for-ref, repos/get-status-checks-protection —
 * the version listings repos/list-releases and repos/list-tags (Link pagination), and the
 * repository and branch heads (repos/get, repos/get-branch; setBranchHead moves a head). Every 200 answer to a GET carries an ETag and a GET with a
 * matching If-None-Match is answered 304 without a body. It checks every request and every response it gives
 * against GitHub's official OpenAPI description (@octokit/openapi, api.github.com, dereferenced).
 * A request that does not match is answered 400 and a response that does not match 500; both
 * are recorded in `violations`, which tests assert empty.
 */
export async function startGithubDouble(options: GithubDoubleOptions = {}): Promise<GithubDouble> {
  // Parse GitHub's description (73 MB) now, not inside the first request's time budget.
  findOperation('get', '/');
  const owner = options.owner ?? 'octo';
  const repo = options.repo ?? 'catalog';
  const token = options.token ?? 'ghp_double_token';
  const now = options.now ?? (() => Date.now());
  const branches = createGithubBranches({
    owner,
    repo,
    now,
    resolveBranch: options.resolveBranch ?? ((b: string) => fakeSha(`branch:${b}`)),
  });
  const resolveBranch = (b: string) => branches.headOf(b)?.sha;
  const requests: RecordedRequest[] = [];
  const violations: ContractViolation[] = [];
  const faults: Array<GithubFault & { left: number }> = [];
  let exhaustedUntil: number | undefined;
  const state = createGithubRepoState({ owner, repo, now, resolveBranch });
  const { pulls } = state;
  let selfUrl = 'http://127.0.0.1';
  const versions = createGithubVersions({ owner, repo, now, baseUrl: () => selfUrl });
  const checks = createGithubChecks({ owner, repo, baseUrl: () => selfUrl });
  const handlers = { ...state.handlers, ...versions.handlers, ...checks.handlers, ...branches.handlers };

  const takeFault = (method: string, op: DescribedOperation): GithubFault | undefined => {
    const i = faults.findIndex(
      (f) =>
        f.left > 0 &&
        (!f.method || f.method.toUpperCase() === method) &&
        (!f.operationId || f.operationId === op.operationId),
    );
    const f = faults[i];
    if (!f) return undefined;
    f.left--;
    if (f.left === 0) faults.splice(i, 1);
    return f;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: unknown;
    let hasBody = false;
    const record = (status: number, operationId: string | undefined, fault?: GithubFaultKind) =>
      requests.push({
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        operationId,
        status,
        at,
        body,
        fault,
      });
    const send = (a: Answer) => {
      res.writeHead(a.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-api-version-selected': '2022-11-28',
        'x-github-request-id': `DOUBLE:${requests.length}`,
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-used': '1',
        'x-ratelimit-resource': 'core',
        'x-ratelimit-reset': String(Math.floor(now() / 1000) + 3600),
        ...(a.headers ?? {}),
      });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    };
    const violation = (phase: ContractViolation['phase'], operationId: string | undefined, errors: string[]) =>
      violations.push({ phase, method, path: url.pathname, operationId, errors });

    if (raw === undefined) {
      violation('request', undefined, [`body larger than ${MAX_BODY_BYTES} bytes`]);
      record(413, undefined);
      return send({ status: 413, body: { message: 'github-double: body too large', documentation_url: DOCS } });
    }
    if (raw.length > 0) {
      hasBody = true;
      try {
        body = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        body = raw.toString('utf8').slice(0, 200);
        violation('request', undefined, ['the body is not JSON']);
        record(400, undefined);
        return send({ status: 400, body: { message: 'Problems parsing JSON', documentation_url: DOCS } });
      }
    }
    const op = findOperation(method, url.pathname);
    if (!op) {
      violation('route', undefined, [`${method} ${url.pathname} is not an operation of api.github.com`]);
      record(404, undefined);
      return send(notFound());
    }
    const auth = req.headers['authorization'] ?? '';
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
      const a = { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS } };
      const errs = validateResponse(op, a.status, a.body, true);
      if (errs.length) violation('response', op.operationId, errs);
      record(401, op.operationId);
      return send(a);
    }
    const requestErrors = validateRequest(op, url.searchParams, body, hasBody);
    if (requestErrors.length > 0) {
      violation('request', op.operationId, requestErrors);
      record(400, op.operationId);
      return send({
        status: 400,
        body: {
          message: `github-double: request does not match the OpenAPI description: ${requestErrors.join('; ')}`,
          documentation_url: DOCS,
        },
      });
    }
    const fault = takeFault(method, op);
    const injected = fault ? faultAnswer(fault, now()) : undefined;
    if (fault && injected) {
      const errs = validateResponse(op, injected.status, injected.body, true);
      if (errs.length) violation('response', op.operationId, errs);
      record(injected.status, op.operationId, fault.kind);
      return send(injected);
    }
    if (fault?.kind === 'concurrent-create' && isRecord(body)) {
      state.createPull({ head: text(body['head']), base: text(body['base']), title: 'made concurrently' });
    }
    const handler = handlers[op.operationId];
    if (!handler) {
      violation('route', op.operationId, [`${op.operationId} is not implemented by the GitHub double`]);
      record(501, op.operationId);
      return send({
        status: 501,
        body: { message: `github-double: ${op.operationId} not implemented`, documentation_url: DOCS },
      });
    }
    const handled =
      op.pathParams['owner'] !== owner || op.pathParams['repo'] !== repo
        ? notFound()
        : handler(op, url.searchParams, isRecord(body) ? body : {});
    // GitHub answers 404 on any repository path (missing, or hidden from the token): allowed undocumented.
    const responseErrors = validateResponse(op, handled.status, handled.body, handled.status === 404);
    if (responseErrors.length > 0) {
      violation('response', op.operationId, responseErrors);
      record(500, op.operationId);
      return send({
        status: 500,
        body: {
          message: `github-double: response does not match the OpenAPI description: ${responseErrors.join('; ')}`,
          documentation_url: DOCS,
        },
      });
    }
    const ifNoneMatch = req.headers['if-none-match'];
    const answer = conditional(handled, method, Array.isArray(ifNoneMatch) ? ifNoneMatch.join(', ') : ifNoneMatch);
    if (exhaustedUntil !== undefined && answer.status < 300) {
      answer.headers = { ...answer.headers, 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(exhaustedUntil) };
      exhaustedUntil = undefined;
    }
    record(answer.status, op.operationId, fault?.kind);
    send(answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push({
        phase: 'response',
        method: req.method ?? '?',
        path: req.url ?? '?',
        operationId: undefined,
        errors: [`double crashed: ${String(error)}`],
      });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'github-double crashed' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  selfUrl = `http://127.0.0.1:${port}`;

  return {
    url: selfUrl,
    owner,
    repo,
    requests,
    violations,
    pulls,
    failNext: (fault) => {
      faults.push({ ...fault, left: fault.count ?? 1 });
    },
    setCommitStatus: (sha, state, context) => checks.setCommitStatus(sha, state, context),
    setCheckRun: (sha, run) => checks.setCheckRun(sha, run),
    setRequiredChecks: (branch, required) => checks.setRequiredChecks(branch, required),
    setMergeable: (number, mergeable) => {
      const p = pulls.find((x) => x.number === number);
      if (!p) throw new Error(`github-double: no pull request #${number}`);
      p.mergeable = mergeable;
    },
    announceRateLimitExhausted: (reset) => {
      exhaustedUntil = reset;
    },
    addPull: (p) => state.createPull(p),
    addRelease: (r) => versions.addRelease(r),
    addTag: (name, sha) => versions.addTag(name, sha),
    setBranchHead: (branch, sha, committedAt) => branches.setHead(branch, sha, committedAt),
    setDefaultBranch: (branch) => branches.setDefaultBranch(branch),
    writes: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    assertNoViolations: () => {
      if (violations.length > 0) {
        throw new Error(
          `GitHub double saw ${violations.length} OpenAPI violation(s):\n${violations.map((v) => `${v.phase} ${v.method} ${v.path} (${v.operationId ?? '?'}): ${v.errors.join('; ')}`).join('\n')}`,
        );
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The request body, or undefined when it is larger than the limit. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
