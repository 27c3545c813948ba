import { checkImageDigest, digestHex } from '../digest';

/** cosign's tag for the signatures of an image: `sha256-<hex>.sig`. */
export function signatureTag(imageDigest: string): string {
  return `sha256-${digestHex(checkImageDigest(imageDigest, 'signature tag'))}.sig`;
}

/** cosign's tag for the attestations of an image: `sha256-<hex>.att`. */
export function attestationTag(imageDigest: string): string {
  return `sha256-${digestHex(checkImageDigest(imageDigest, 'attestation tag'))}.att`;
}
