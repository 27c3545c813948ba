import { imageEventToCloudEvent, type ImageEvent } from '@patch-factory/contracts';
import type { FeedImageEvent } from '@patch-factory/webhooks';

// Image events as the notify stage makes them from what promote stored (a publication, then an
// update fixing two CVEs), for the webhook and feed specs. Ids are unique per call.

export const DIGEST = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;
export const SEVERITY: Record<string, 'critical' | 'high' | 'low'> = {
  'CVE-2026-1001': 'critical',
  'CVE-2026-1002': 'low',
};

/** `image.published` then `image.updated` of `image` (e.g. examples/redis), at `at` and `at + 1000`. */
export function imageEvents(
  image: string,
  at: number,
  run = Math.random().toString(36).slice(2, 10),
): FeedImageEvent[] {
  const runId = (n: number) => `run_${run.toUpperCase().padEnd(10, '0')}${String(n).padStart(16, '0')}`;
  const stored: ImageEvent[] = [
    {
      id: `${runId(1)}:promote`,
      type: 'image.published',
      repository: `127.0.0.1:5000/${image}`,
      digest: DIGEST(1),
      tags: [
        { tag: '8', digest: DIGEST(1) },
        { tag: '8.2', digest: DIGEST(1) },
      ],
      cvesFixed: [],
      runId: runId(1),
      definition: `image/${image.split('/').pop()}/debian-13/8.yaml`,
      at,
    },
    {
      id: `${runId(2)}:promote`,
      type: 'image.updated',
      repository: `127.0.0.1:5000/${image}`,
      digest: DIGEST(2),
      tags: [
        { tag: '8', digest: DIGEST(2), previous: DIGEST(1) },
        { tag: '8.2', digest: DIGEST(2), previous: DIGEST(1) },
      ],
      cvesFixed: ['CVE-2026-1002', 'CVE-2026-1001'],
      runId: runId(2),
      definition: `image/${image.split('/').pop()}/debian-13/8.yaml`,
      at: at + 1000,
    },
  ];
  return stored.map((e) =>
    imageEventToCloudEvent(e, { source: 'urn:patch-factory:test', severityOf: (id) => SEVERITY[id] }),
  );
}
