import { RetryableError, shown, TerminalError } from '@patch-factory/contracts';

/**
 * Stable kebab-case codes of the failures this lib raises or reports (rule 5 of DESIGN.md).
 * The delivery codes (`webhook-connection-*`, `webhook-timeout`…) are never thrown: an attempt
 * reports them in its result (`errorCode`), for the delivery log.
 */
export const WebhooksErrorCode = {
  /** A receiver URL that does not parse, has no host, a zone id, or is not http(s). */
  urlInvalid: 'webhook-url-invalid',
  /** A receiver URL with a user name or password in it. */
  urlCredentials: 'webhook-url-credentials',
  /** An http:// receiver whose address is not in the operator's allow-list. */
  httpsRequired: 'webhook-https-required',
  /** The receiver's host is (or resolves to) an address in a blocked range (SSRF protection). */
  addressBlocked: 'webhook-address-blocked',
  /** The receiver's host did not resolve (no answer, NXDOMAIN, resolver failure): may pass. */
  resolveFailed: 'webhook-resolve-failed',
  /** An allow-list entry that is not an IPv4 or IPv6 CIDR (or a bare address). */
  allowListInvalid: 'webhook-allow-list-invalid',
  /** A secret that is not `whsec_` + base64 of 24 to 64 bytes. */
  secretInvalid: 'webhook-secret-invalid',
  /** A message id that is empty, too long or has characters outside [A-Za-z0-9_:-] (a `.` would make the signed content ambiguous). */
  messageIdInvalid: 'webhook-message-id-invalid',
  /** A delivery without `webhook-id`, `webhook-timestamp` or `webhook-signature`. */
  headersMissing: 'webhook-headers-missing',
  /** Attempt: a header name or value the caller gave is not valid HTTP (CR/LF, non-token name): nothing was sent. */
  headersInvalid: 'webhook-headers-invalid',
  /** A `webhook-timestamp` that is not unix seconds. */
  timestampInvalid: 'webhook-timestamp-invalid',
  /** A `webhook-timestamp` outside the tolerance (too old or too far in the future). */
  timestampOutOfTolerance: 'webhook-timestamp-out-of-tolerance',
  /** No `v1,` signature in `webhook-signature` matches any of the secrets. */
  signatureMismatch: 'webhook-signature-mismatch',
  /** Attempt: the receiver answered 3xx (redirects are never followed). */
  redirectRefused: 'webhook-redirect-refused',
  /** Attempt: the receiver answered a status that is neither 2xx, 3xx, 410, 429 nor 503. */
  httpStatus: 'webhook-http-status',
  /** Attempt: the connection was refused. */
  connectionRefused: 'webhook-connection-refused',
  /** Attempt: the connection was reset or closed before a full response. */
  connectionReset: 'webhook-connection-reset',
  /** Attempt: no route to the receiver's address. */
  unreachable: 'webhook-unreachable',
  /** Attempt: the total time (connect, TLS, response head, excerpt) ran out. */
  timeout: 'webhook-timeout',
  /** Attempt: the TLS handshake or the certificate check failed. */
  tlsFailed: 'webhook-tls-failed',
  /** Attempt: any other transport failure. */
  transportFailed: 'webhook-transport-failed',
  /** A subscription (or its input) breaks its schema: the message names the field. */
  subscriptionInvalid: 'webhook-subscription-invalid',
  /** The secret-sealing key setting is missing or not `<key id>:<base64 of 32 bytes>[,…]`. */
  secretKeyInvalid: 'webhook-secret-key-invalid',
  /** A sealed secret that is not `pfs1.<key id>.<nonce>.<ciphertext>`. */
  sealedSecretInvalid: 'webhook-sealed-secret-invalid',
  /** A sealed secret whose key id is not among the configured keys (a key removed too early). */
  sealedSecretUnknownKey: 'webhook-sealed-secret-unknown-key',
  /** A sealed secret that does not open: altered, moved from another subscription, or another key under that id. */
  sealedSecretOpenFailed: 'webhook-sealed-secret-open-failed',
  /** A feed's settings (id, self link, entry bound) are invalid. */
  feedInvalid: 'webhook-feed-invalid',
} as const;

export type WebhooksErrorCode = (typeof WebhooksErrorCode)[keyof typeof WebhooksErrorCode];

/** A TerminalError whose message starts with where the problem is. */
export function webhooksError(code: WebhooksErrorCode, where: string, message: string): TerminalError {
  return new TerminalError(code, `${shown(where, 200)}: ${message}`);
}

/** A RetryableError (a resolver that may answer next time). */
export function webhooksRetryable(
  code: WebhooksErrorCode,
  where: string,
  message: string,
  cause?: unknown,
): RetryableError {
  return new RetryableError(code, `${shown(where, 200)}: ${message}`, { cause });
}
