import { TerminalError } from '@patch-factory/contracts';

/** Stable codes of the sign, publish and promote stages (rule 5 of DESIGN.md). */
export const PublishingErrorCode = {
  /** PF_SIGNING_KEY is not set: the sign stage has no key. */
  signingKeyMissing: 'signing-key-missing',
  /** PF_REGISTRY_URL is not set: nothing can be published or promoted. */
  registryNotConfigured: 'registry-not-configured',
  /** An earlier stage's output the stage needs is missing (no image, no signatures, no staging push). */
  inputMissing: 'publish-input-missing',
  /** A run's files are not what the stage expects (a malformed report, a layout without the digest). */
  inputInvalid: 'publish-input-invalid',
  /** The definition names no release tags, or tags that break the OCI grammar. */
  tagsInvalid: 'promote-tags-invalid',
  /** A release tag points at an image newer than the run's (later definition commit, or later run): promote moves no tag back. */
  olderImage: 'promote-older-image',
  /** Another run is moving the release tags of the same repository now: retried. */
  promoteBusy: 'promote-busy',
  /** The promotion's lock was taken by another promotion while it ran (it stalled past the lock's time to live): it stops, writes nothing, and is retried. */
  promoteLockLost: 'promote-lock-lost',
} as const;

export type PublishingErrorCodeValue = (typeof PublishingErrorCode)[keyof typeof PublishingErrorCode];

export function publishingTerminal(code: PublishingErrorCodeValue, message: string): TerminalError {
  return new TerminalError(code, message);
}
