import { safeText } from './terminal-text';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 30_000;
/** A bigger answer than this is refused rather than buffered (the API never sends one). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A failed call: printed as `error <code>: <message>`, exit code 1. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** PF_API_URL is not usable: exit code 2, like a usage error. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The API base URL from PF_API_URL: an http(s) URL without credentials, query or fragment. */
export function apiBaseUrl(env: NodeJS.ProcessEnv): URL {
  const raw = env['PF_API_URL'] === undefined || env['PF_API_URL'] === '' ? DEFAULT_API_URL : env['PF_API_URL'];
  const bad = (why: string) =>
    new ConfigError(
      `PF_API_URL must be an http:// or https:// URL of the patch-factory API (${why}), not "${safeText(raw, 200)}"`,
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('it does not parse as a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw bad(`${safeText(url.protocol, 20)} is not http: or https:`);
  if (url.username || url.password) throw bad('it must not carry credentials');
  if (url.search || url.hash) throw bad('it must not have a query or fragment');
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** A small JSON client for the operator API (global fetch, bounded time and size). */
export class ApiClient {
  constructor(
    readonly base: URL,
    private readonly timeoutMs = TIMEOUT_MS,
    /** Sent as `Authorization: Bearer …` (api-token.ts says where it comes from). */
    private readonly token?: string,
  ) {}

  get(path: string, query: Record<string, string | number | undefined> = {}): Promise<unknown> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.call('GET', path, params);
  }

  /** `headers`: extra request headers (e.g. Idempotency-Key). */
  post(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<unknown> {
    return this.call('POST', path, undefined, body, headers);
  }

  patch(path: string, body: unknown): Promise<unknown> {
    return this.call('PATCH', path, undefined, body);
  }

  delete(path: string): Promise<unknown> {
    return this.call('DELETE', path);
  }

  /** `path` is relative to the base and made only of fixed words and encoded ids. */
  private async call(
    method: string,
    path: string,
    params?: URLSearchParams,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const url = new URL(path, this.base);
    if (params?.size) url.search = params.toString();
    const where = this.base.href;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: {
          accept: 'application/json',
          'user-agent': 'patch-factory-cli',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(
        'api-unreachable',
        `cannot reach the patch-factory API at ${safeText(where)} (PF_API_URL): ${reason(error, this.timeoutMs)}`,
      );
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const to = res.headers.get('location');
      throw new ApiError(
        'bad-response',
        `the API at ${safeText(where)} answered ${res.status} redirecting to ${safeText(to ?? '(nowhere)', 200)}; set PF_API_URL to the API itself`,
        res.status,
      );
    }
    let text: string;
    try {
      text = await readCapped(res, MAX_BODY_BYTES);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError(
        'api-unreachable',
        `the patch-factory API at ${safeText(where)} (PF_API_URL) broke off its answer: ${reason(error, this.timeoutMs)}`,
      );
    }
    if (res.status === 204) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(
        'bad-response',
        `the API at ${safeText(where)} answered ${res.status} with a body that is not JSON; is PF_API_URL the patch-factory API?`,
        res.status,
      );
    }
    if (res.status === 401 && !this.token)
      throw new ApiError(
        'unauthenticated',
        'the API needs a token: set PF_TOKEN, or PF_TOKEN_FILE to a file (mode 0600) holding one',
        401,
      );
    if (!res.ok) throw errorFromBody(json, res.status);
    return json;
  }
}

/** `{ error: { code, message } }` as the API sends it, or a generic error for anything else. */
function errorFromBody(json: unknown, status: number): ApiError {
  const err = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  if (typeof code === 'string' && /^[a-z][a-z0-9-]{0,63}$/.test(code) && typeof message === 'string') {
    return new ApiError(code, message, status);
  }
  return new ApiError(`http-${status}`, `the API answered ${status} without an error description`, status);
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ApiError('bad-response', `the API answer is larger than ${maxBytes} bytes; refused`, res.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Why a request failed, from fetch's error and its cause (ECONNREFUSED, ENOTFOUND, timeout…). */
function reason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const detail = [cause?.message, cause?.code, error instanceof Error ? error.message : String(error)].find(
    (t): t is string => typeof t === 'string' && t.length > 0,
  );
  return safeText(detail ?? 'unknown error', 300);
}
