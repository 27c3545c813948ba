import { Webhook } from 'standardwebhooks';
import { PipelineError } from '@patch-factory/contracts';
import { WebhooksErrorCode } from '../webhooks-errors';
import { generateSecret, secretKey, signedHeaders, verifySignature } from './standard-webhooks-signature';

const body = JSON.stringify({ specversion: '1.0', type: 'image.published', data: { tag: 'redis:7', é: 'ü' } });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PipelineError) return err.code;
    throw err;
  }
  throw new Error('no error');
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('Standard Webhooks signatures', () => {
  const now = Math.floor(Date.now() / 1000);

  it('a signature with one secret verifies with the independent standardwebhooks package', () => {
    const secret = generateSecret();
    const headers = signedHeaders({ id: 'msg_2b3c', timestamp: now, body, secrets: [secret] });
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow('No matching signature');
  });

  it('during a rotation there is one signature per secret, and each secret alone verifies', () => {
    const [oldSecret, newSecret] = [generateSecret(24), generateSecret(64)];
    const headers = signedHeaders({
      id: 'evt-1',
      timestamp: now,
      body: Buffer.from(body),
      secrets: [newSecret, oldSecret],
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(newSecret).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(Buffer.from(body), { ...headers })).not.toThrow();
    expect(verifySignature({ headers: { ...headers }, body, secrets: [oldSecret] }).id).toBe('evt-1');
  });

  it('our verify accepts what standardwebhooks signs (the reverse direction)', () => {
    const secret = generateSecret();
    const signature = new Webhook(secret).sign('msg_x', new Date(now * 1000), body);
    const headers = {
      'Webhook-Id': 'msg_x',
      'Webhook-Timestamp': String(now),
      'Webhook-Signature': `v1a,xyz ${signature}`,
    };
    expect(verifySignature({ headers, body, secrets: [secret], nowSeconds: now })).toEqual({
      id: 'msg_x',
      timestamp: now,
    });
  });

  describe('our verify refuses', () => {
    const secret = generateSecret();
    const headers = signedHeaders({ id: 'msg_1', timestamp: now, body, secrets: [secret] });
    const verify =
      (h: Record<string, string>, b: string = body, secrets = [secret], nowSeconds = now) =>
      () =>
        verifySignature({ headers: h, body: b, secrets, nowSeconds });

    it('the genuine delivery passes (the baseline of the refusals below)', () => {
      expect(verify({ ...headers })()).toEqual({ id: 'msg_1', timestamp: now });
    });
    it.each([
      ['a tampered body', { ...headers }, `${body} `, WebhooksErrorCode.signatureMismatch],
      ['a tampered id', { ...headers, 'webhook-id': 'msg_2' }, body, WebhooksErrorCode.signatureMismatch],
      [
        'a tampered timestamp',
        { ...headers, 'webhook-timestamp': String(now - 1) },
        body,
        WebhooksErrorCode.signatureMismatch,
      ],
      [
        'a truncated signature',
        { ...headers, 'webhook-signature': headers['webhook-signature'].slice(0, -2) },
        body,
        WebhooksErrorCode.signatureMismatch,
      ],
      [
        'a signature with junk base64 decoding ignores',
        { ...headers, 'webhook-signature': `${headers['webhook-signature']},` },
        body,
        WebhooksErrorCode.signatureMismatch,
      ],
      [
        'a v2 signature',
        { ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v2,') },
        body,
        WebhooksErrorCode.signatureMismatch,
      ],
      [
        'a missing signature',
        { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now) },
        body,
        WebhooksErrorCode.headersMissing,
      ],
      ['a non-numeric timestamp', { ...headers, 'webhook-timestamp': '1e9' }, body, WebhooksErrorCode.timestampInvalid],
      ['an id with a dot', { ...headers, 'webhook-id': 'msg.1' }, body, WebhooksErrorCode.messageIdInvalid],
    ])('%s', (_what, h, b, code) => {
      expect(codeOf(verify(h, b))).toBe(code);
    });
    it('a stale timestamp (beyond 5 min) and one too far ahead, even correctly signed', () => {
      expect(codeOf(verify({ ...headers }, body, [secret], now + 301))).toBe(WebhooksErrorCode.timestampOutOfTolerance);
      expect(codeOf(verify({ ...headers }, body, [secret], now - 301))).toBe(WebhooksErrorCode.timestampOutOfTolerance);
      expect(verify({ ...headers }, body, [secret], now + 300)()).toBeDefined();
    });
    it('the wrong secret', () => {
      expect(codeOf(verify({ ...headers }, body, [generateSecret()]))).toBe(WebhooksErrorCode.signatureMismatch);
    });
  });

  it('secrets: whsec_ + base64 of 24–64 bytes; the message never shows the secret', () => {
    expect(secretKey(generateSecret(24))).toHaveLength(24);
    expect(secretKey(generateSecret(64))).toHaveLength(64);
    const short = `whsec_${Buffer.alloc(23, 7).toString('base64')}`;
    const bad = ['sk_abc', `whsec_${Buffer.alloc(65).toString('base64')}`, short, 'whsec_not*base64'];
    for (const s of bad) {
      expect(codeOf(() => secretKey(s))).toBe(WebhooksErrorCode.secretInvalid);
      expect(messageOf(() => secretKey(s))).not.toContain(s);
    }
    expect(codeOf(() => generateSecret(16))).toBe(WebhooksErrorCode.secretInvalid);
    expect(codeOf(() => signedHeaders({ id: 'a.b', timestamp: now, body, secrets: [generateSecret()] }))).toBe(
      WebhooksErrorCode.messageIdInvalid,
    );
  });
});
