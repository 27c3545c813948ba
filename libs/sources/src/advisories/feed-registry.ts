import { TerminalError } from '@patch-factory/contracts';
import { SourceErrorCode } from '../sources-errors';
import type { AdvisoryFeed } from './advisory-feed';
import { debianTrackerFeed } from './debian-tracker-feed';
import { osvFeed } from './osv-feed';

/** Every advisory feed by kind: adding one is a file and a line here. */
export const ADVISORY_FEEDS = {
  osv: osvFeed,
  debian_tracker: debianTrackerFeed,
} as const;

export function isAdvisoryFeedKind(kind: unknown): kind is keyof typeof ADVISORY_FEEDS {
  return typeof kind === 'string' && Object.hasOwn(ADVISORY_FEEDS, kind);
}

export function createAdvisoryFeed(kind: string): AdvisoryFeed<unknown> {
  if (!isAdvisoryFeedKind(kind))
    throw new TerminalError(
      SourceErrorCode.unknownKind,
      `no advisory feed of kind ${JSON.stringify(kind.slice(0, 40))}: expected one of ${Object.keys(ADVISORY_FEEDS).join(', ')}`,
    );
  return ADVISORY_FEEDS[kind]() as AdvisoryFeed<unknown>;
}
