import { isRecord } from '@patch-factory/contracts';
import { verify as cryptoVerify } from 'node:crypto';
import type { PublicKeyInfo } from '../keys/p256-key';
import { signWith } from '../keys/sign-with';
import type { SigningKey } from '../keys/signing-key';

/** payloadType of an in-toto statement in DSSE. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** Media type of a DSSE envelope layer (cosign `.att`). */
export const DSSE_ENVELOPE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';

/** A DSSE envelope as JSON carries it (payload and signatures base64). */
export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

/** DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>` (lengths in ASCII decimal bytes). */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** Signs `payload` as DSSE with one key. */
export async function signDsse(key: SigningKey, payloadType: string, payload: Buffer): Promise<DsseEnvelope> {
  const sig = await signWith(key, preAuthEncoding(payloadType, payload));
  return {
    payloadType,
    payload: payload.toString('base64'),
    signatures: [{ keyid: key.keyId, sig: sig.toString('base64') }],
  };
}

/** The envelope's JSON bytes, byte-stable (payloadType, payload, signatures[keyid, sig]). */
export function envelopeBytes(envelope: DsseEnvelope): Buffer {
  return Buffer.from(
    JSON.stringify({
      payloadType: envelope.payloadType,
      payload: envelope.payload,
      signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
    }),
    'utf8',
  );
}

/** Parses envelope JSON (bytes or parsed); undefined when it is not one. */
export function parseEnvelope(input: unknown): DsseEnvelope | undefined {
  let value = input;
  if (Buffer.isBuffer(input)) {
    if (input.length > 64 * 1024 * 1024) return undefined;
    try {
      value = JSON.parse(input.toString('utf8'));
    } catch {
      return undefined;
    }
  }
  if (
    !isRecord(value) ||
    typeof value['payloadType'] !== 'string' ||
    typeof value['payload'] !== 'string' ||
    !Array.isArray(value['signatures'])
  )
    return undefined;
  const signatures: { keyid: string; sig: string }[] = [];
  for (const s of value['signatures'].slice(0, 16) as unknown[]) {
    if (!isRecord(s) || typeof s['sig'] !== 'string') return undefined;
    signatures.push({ keyid: typeof s['keyid'] === 'string' ? s['keyid'] : '', sig: s['sig'] });
  }
  return { payloadType: value['payloadType'], payload: value['payload'], signatures };
}

/** True when some signature of the envelope verifies (over the PAE) with the key. */
export function dsseVerifies(envelope: DsseEnvelope, key: PublicKeyInfo): boolean {
  const pae = preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
  return envelope.signatures.some((s) => {
    try {
      return cryptoVerify('sha256', pae, { key: key.key, dsaEncoding: 'der' }, Buffer.from(s.sig, 'base64'));
    } catch {
      return false;
    }
  });
}
