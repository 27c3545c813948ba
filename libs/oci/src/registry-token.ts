import { RetryableError, TerminalError } from '@patch-factory/contracts';
import type { AuthChallenge } from './bearer-challenge';
import { boundedFetch } from './bounded-fetch';
import { OciErrorCode } from './oci-errors';
import { isSafeTransport } from './registry-url';

/** Basic credentials for a registry's token server (or a Basic-auth registry). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** What a token is fetched with. */
export interface TokenRequest {
  challenge: Extract<AuthChallenge, { scheme: 'bearer' }>;
  /** The scope to ask for when the challenge names none (e.g. `repository:<name>:pull`). */
  defaultScope: string;
  /** The scope to ask for whatever the challenge names (writes: `repository:<name>:pull,push`). */
  scope?: string;
  credentials?: RegistryCredentials;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Largest token-server answer read. */
const MAX_TOKEN_RESPONSE = 64 * 1024;
/** What a token may hold: it is sent back in a header. */
const TOKEN = /^[A-Za-z0-9._~+/=-]{1,8192}$/;

/** `Authorization: Basic …` for `credentials`. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

/**
 * Fetch a bearer token from the challenge's realm (https, or http to a loopback address only),
 * with the optional basic credentials. The token is never logged nor put in an error message.
 * Throws TerminalError(oci-auth) when the realm refuses, RetryableError(oci-unavailable) when it fails.
 */
export async function fetchRegistryToken(req: TokenRequest): Promise<string> {
  let realm: URL;
  try {
    realm = new URL(req.challenge.realm);
  } catch {
    throw new TerminalError(OciErrorCode.invalidResponse, 'the registry named a token realm that is not a URL');
  }
  if (!isSafeTransport(realm) || realm.username || realm.password) {
    throw new TerminalError(
      OciErrorCode.invalidResponse,
      `the registry named the token realm ${realm.origin} that is refused: expected https://, or http:// to a loopback address`,
    );
  }
  if (req.challenge.service) realm.searchParams.set('service', req.challenge.service);
  realm.searchParams.set('scope', req.scope ?? req.challenge.scope ?? req.defaultScope);
  const what = `the token server ${realm.origin}`;
  const res = await boundedFetch({
    url: realm,
    method: 'GET',
    headers: {
      accept: 'application/json',
      ...(req.credentials ? { authorization: basicAuthorization(req.credentials) } : {}),
    },
    timeoutMs: req.timeoutMs,
    maxBytes: MAX_TOKEN_RESPONSE,
    ...(req.signal ? { signal: req.signal } : {}),
    what,
  });
  if (res.status === 401 || res.status === 403) {
    throw new TerminalError(
      OciErrorCode.auth,
      `${what} refused to issue a token (${res.status}): check the registry credentials`,
    );
  }
  if (res.status === 429 || res.status >= 500) {
    throw new RetryableError(OciErrorCode.unavailable, `${what} failed (${res.status}): it may pass`);
  }
  if (res.status !== 200)
    throw new TerminalError(OciErrorCode.invalidResponse, `${what} answered ${res.status} instead of a token`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new TerminalError(OciErrorCode.invalidResponse, `${what} answered something that is not JSON`);
  }
  const body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const token = typeof body['token'] === 'string' ? body['token'] : body['access_token'];
  if (typeof token !== 'string' || !TOKEN.test(token)) {
    throw new TerminalError(OciErrorCode.invalidResponse, `${what} answered no usable token`);
  }
  return token;
}
