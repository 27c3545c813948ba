import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { z } from 'zod';
import { OsvAdvisorySchema, type OsvAdvisory, isRecord } from '@patch-factory/contracts';
import { reject } from '../screen-value';
import type { Rejection, SourceState } from '../source';
import { parseTrack } from '../track-config.schema';
import type { AdvisoryFeed, FeedResult } from './advisory-feed';
import { checkFeedLocation, MAX_FEED_BYTES, readFeed } from './feed-input';

const MAX_RECORDS = 200_000;
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

export const OsvFeedConfigSchema = z.object({
  type: z.literal('osv'),
  /** A folder of OSV .json files, a .zip of them (OSV's own exports), or a URL of either, or of a query API answer. */
  location: z.string().min(1).max(1000),
});
export interface OsvFeedConfig {
  location: string;
}

/**
 * OSV advisories from files, zip archives (as OSV exports them per ecosystem) or a query API
 * answer (`{"vulns": [...]}`), each record checked against the OSV schema; what does not check
 * is rejected with its name.
 */
export class OsvFeed implements AdvisoryFeed<OsvFeedConfig> {
  readonly kind = 'osv';

  parseConfig(raw: unknown): OsvFeedConfig {
    const c = parseTrack('osv', OsvFeedConfigSchema, raw);
    return { location: checkFeedLocation(c.location) };
  }

  async read(config: OsvFeedConfig, state: SourceState, signal: AbortSignal): Promise<FeedResult> {
    const out: FeedResult = { advisories: [], rejected: [], state, notModified: 0 };
    if (isFolder(config.location)) {
      for (const name of readdirSync(config.location)
        .filter((n) => n.endsWith('.json'))
        .sort()
        .slice(0, MAX_RECORDS)) {
        const path = join(config.location, name);
        if (!lstatSync(path).isFile() || lstatSync(path).size > MAX_RECORD_BYTES) {
          out.rejected.push(reject(name, 'too-long'));
          continue;
        }
        addRecords(out, name, readFileSync(path, 'utf8'));
      }
      return { ...out, state: {} };
    }
    const fetched = await readFeed(config.location, state, signal);
    if (!fetched) return { ...out, notModified: 1 };
    if (fetched.bytes[0] === 0x50 && fetched.bytes[1] === 0x4b) {
      let count = 0;
      let total = 0;
      const files = unzipSync(fetched.bytes, {
        filter: (f) =>
          f.name.endsWith('.json') &&
          f.originalSize <= MAX_RECORD_BYTES &&
          (total += f.originalSize) <= MAX_FEED_BYTES &&
          ++count <= MAX_RECORDS,
      });
      for (const [name, data] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)))
        addRecords(out, name, Buffer.from(data).toString('utf8'));
    } else {
      addRecords(out, config.location, fetched.bytes.toString('utf8'));
    }
    return { ...out, state: fetched.state };
  }
}

function isFolder(location: string): boolean {
  try {
    return location.startsWith('/') && lstatSync(location).isDirectory();
  } catch {
    return false;
  }
}

/** One JSON text: an OSV record, a list of them, or a query API answer `{vulns: [...]}`. */
function addRecords(out: { advisories: OsvAdvisory[]; rejected: Rejection[] }, name: string, text: string): void {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    out.rejected.push(reject(name, 'not-a-string'));
    return;
  }
  const records = Array.isArray(json)
    ? json
    : isRecord(json) && Array.isArray(json['vulns'])
      ? (json['vulns'] as unknown[])
      : [json];
  for (const r of records.slice(0, MAX_RECORDS)) {
    const parsed = OsvAdvisorySchema.safeParse(r);
    if (parsed.success) out.advisories.push(parsed.data);
    else
      out.rejected.push(
        reject(
          `${name}: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`,
          'unsafe-characters',
        ),
      );
  }
}

export const osvFeed = (): OsvFeed => new OsvFeed();
