import { isIP } from 'node:net';
import { PipelineError } from '@patch-factory/contracts';
import {
  checkReceiverUrl,
  unbracketed,
  webhooksError,
  WebhooksErrorCode,
  type AllowList,
} from '@patch-factory/webhooks';

/**
 * Refuses at once (400, naming `url`) a receiver URL whose host is an IP address that no delivery
 * could reach: a blocked range (loopback, private, link-local, metadata…) not allow-listed, or
 * http:// to an address outside the allow-list. Host names are not resolved here (the answer
 * could change: every delivery resolves and checks them again, libs/webhooks receiver-address).
 */
export async function checkLiteralReceiver(url: string, allowList: AllowList): Promise<void> {
  let hostname: string;
  try {
    hostname = unbracketed(new URL(url).hostname);
  } catch {
    return; // the subscription schema names a URL that does not parse
  }
  if (isIP(hostname) === 0) return;
  try {
    await checkReceiverUrl(url, {
      allowList,
      resolver: () => Promise.reject(new Error('an IP literal is not resolved')),
    });
  } catch (error) {
    if (error instanceof PipelineError && !error.retryable)
      throw webhooksError(WebhooksErrorCode.subscriptionInvalid, 'subscription', `url: ${error.message}`);
    throw error;
  }
}
