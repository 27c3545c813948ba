import type { Env } from '@patch-factory/config';
import {
  parseAllowList,
  parseSecretKey,
  type AllowList,
  type Resolver,
  type SecretKeyring,
} from '@patch-factory/webhooks';
import { NotifyingErrorCode, notifyingError } from './notifying-errors';

/** The webhook settings, parsed and checked once (at boot): a bad value stops the service there, naming the variable. */
export class WebhookSettings {
  /** Absent when PF_WEBHOOK_SECRET_KEYS is unset: nothing can be subscribed then (keyring() says so). */
  private readonly ring: SecretKeyring | undefined;
  readonly allowList: AllowList;
  /** The CloudEvents `source` of the events. */
  readonly source: string;
  /** Attempts in flight to one endpoint, across notifiers. */
  readonly endpointConcurrency: number;
  /** The resolver of receivers' names (the system's; tests give their own). */
  readonly resolver: Resolver | undefined;
  /** CA certificates trusted for https receivers (tests; node's roots otherwise). */
  readonly ca: string | undefined;

  constructor(
    config: Pick<
      Env,
      | 'PF_WEBHOOK_SECRET_KEYS'
      | 'PF_WEBHOOK_ALLOW_CIDRS'
      | 'PF_WEBHOOK_SOURCE'
      | 'PF_PREFIX'
      | 'PF_WEBHOOK_ENDPOINT_CONCURRENCY'
    >,
    extra: { resolver?: Resolver; ca?: string } = {},
  ) {
    this.ring = config.PF_WEBHOOK_SECRET_KEYS === undefined ? undefined : parseSecretKey(config.PF_WEBHOOK_SECRET_KEYS);
    const cidrs = (config.PF_WEBHOOK_ALLOW_CIDRS ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    this.allowList = parseAllowList(cidrs, 'PF_WEBHOOK_ALLOW_CIDRS');
    this.source = config.PF_WEBHOOK_SOURCE ?? `urn:patch-factory:${config.PF_PREFIX}`;
    this.endpointConcurrency = config.PF_WEBHOOK_ENDPOINT_CONCURRENCY;
    this.resolver = extra.resolver;
    this.ca = extra.ca;
  }

  /** The keyring that seals and opens subscription secrets; `webhook-secret-keys-missing` when none is configured. */
  keyring(): SecretKeyring {
    if (!this.ring)
      throw notifyingError(
        NotifyingErrorCode.secretKeysMissing,
        'PF_WEBHOOK_SECRET_KEYS',
        'is not set, so webhook secrets cannot be sealed or opened: set it to <key id>:<base64 of 32 random bytes> (e.g. k1:$(openssl rand -base64 32))',
      );
    return this.ring;
  }
}

export const WEBHOOK_SETTINGS_EXTRA = Symbol('patch-factory.webhook-settings-extra');
