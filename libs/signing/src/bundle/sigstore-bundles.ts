import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleToJSON,
  type BundleWithDsseEnvelope,
  type BundleWithMessageSignature,
  type SerializedEnvelope,
} from '@sigstore/bundle';
// The bundlers only, not the package index: @sigstore/sign's index also loads its Fulcio/Rekor
// HTTP clients (make-fetch-happen → ESM-only proxy agents), which we never use (no Fulcio, no
// Rekor/TSA witnesses) and which jest cannot require. The path is pinned with the exact version.
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign/dist/bundler';
import { IN_TOTO_PAYLOAD_TYPE, type DsseEnvelope } from '../attest/dsse';
import { statementBytes, type InTotoStatement } from '../attest/in-toto-statement';
import type { SigningKey } from '../keys/signing-key';
import { base64Placeholder, stringifyWithBase64 } from '../base64-json';
import { keySigner } from './key-signer';

/** Media type of a Sigstore bundle v0.3 (JSON). */
export const SIGSTORE_BUNDLE_MEDIA_TYPE = BUNDLE_V03_MEDIA_TYPE;

/** A signed Sigstore bundle and its JSON bytes (what is stored and pushed). */
export interface BundleArtifact<B> {
  bundle: B;
  /** The bundle's JSON (protobuf-specs JSON form), UTF-8. */
  bytes: Buffer;
}

/** The DSSE bundle of one statement (one signature over its PAE; no certificate, tlog or timestamp), and the same envelope in DSSE JSON form (object and bytes). */
export async function attestationBundle(
  key: SigningKey,
  statement: InTotoStatement<object>,
): Promise<BundleArtifact<BundleWithDsseEnvelope> & { envelope: DsseEnvelope; envelopeBytes: Buffer }> {
  const builder = new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] });
  const bundle = await builder.create({ data: statementBytes(statement), type: IN_TOTO_PAYLOAD_TYPE });
  const json = bundleToJSON(bundle);
  const serialized = json.dsseEnvelope as SerializedEnvelope;
  const envelope: DsseEnvelope = {
    payloadType: serialized.payloadType,
    payload: serialized.payload,
    signatures: serialized.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })),
  };
  // The statement is most of both documents: its base64 (made once, by bundleToJSON) is put in
  // without being scanned again, in the same bytes JSON.stringify would write.
  const bundleText = stringifyWithBase64(
    { ...json, dsseEnvelope: { ...serialized, payload: base64Placeholder } },
    serialized.payload,
  );
  const envelopeText = stringifyWithBase64({ ...envelope, payload: base64Placeholder }, envelope.payload);
  return { bundle, bytes: Buffer.from(bundleText, 'utf8'), envelope, envelopeBytes: Buffer.from(envelopeText, 'utf8') };
}

/** The message-signature bundle over `payload` (the cosign simple-signing payload): sha256 digest + signature, public key hint. */
export async function messageSignatureBundle(
  key: SigningKey,
  payload: Buffer,
): Promise<BundleArtifact<BundleWithMessageSignature> & { signature: Buffer }> {
  const builder = new MessageSignatureBundleBuilder({ signer: keySigner(key), witnesses: [] });
  const bundle = await builder.create({ data: payload });
  // @sigstore/sign labels message-signature bundles v0.2 (it assumes a certificate chain); with a
  // public key the content is the same in v0.3, which is what we publish.
  bundle.mediaType = SIGSTORE_BUNDLE_MEDIA_TYPE;
  return {
    bundle,
    bytes: Buffer.from(JSON.stringify(bundleToJSON(bundle)), 'utf8'),
    signature: bundle.content.messageSignature.signature,
  };
}
