import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UpstreamRefSchema } from './upstream-ref.schema';

/**
 * Where a security update was published: the suite, and the source package and source version
 * it was built from (advisories name source packages; a binNMU's binary version differs).
 */
export const SecuritySuiteMarkSchema = z
  .object({
    suite: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a suite such as bookworm-security'),
    sourcePackage: z.string().regex(/^[a-z0-9][a-z0-9+.-]{0,127}$/, 'expected a Debian source package name'),
    sourceVersion: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,127}$/,
        'expected a version (letters, digits and . _ + ~ : -, at most 128)',
      ),
  })
  .strict();
export type SecuritySuiteMark = z.infer<typeof SecuritySuiteMarkSchema>;

/**
 * A new version seen at a source (DESIGN.md vocabulary). `ref` names what moved: a
 * package purl (`pkg:deb/debian/openssl`), an image reference with a moving tag
 * (`dhi/golang:1-debian13-dev`) or a GitHub `owner/repo` (upstream-ref.schema.ts says what
 * else, and what is refused); `version` is the new version
 * (for an image, the new full tag, with its `digest`).
 */
export const UpstreamEventSchema = z
  .object({
    /** Derived by the factory (upstream-event-id.ts), never taken from a caller. */
    id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'expected an event id of letters, digits and . _ : -'),
    source: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a source name such as debian or github-releases'),
    ref: UpstreamRefSchema,
    version: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._+~:-]{0,127}$/,
        'expected a version (letters, digits and . _ + ~ : -, at most 128)',
      ),
    digest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, 'expected sha256:<64 hex digits>')
      .optional(),
    /**
     * Set when the event fixes an advisory: drives the soak and the auto-merge policy of its pull
     * requests. Set by the factory only (from an advisory a feed or POST /events/advisory stored; the
     * planner takes it again from the stored advisory), never taken from POST /events/upstream.
     */
    severity: z.enum(['critical', 'high', 'medium', 'low', 'none']).optional(),
    /** The advisory the event fixes (OSV id), if any; set by the factory only, like `severity`. */
    advisory: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional(),
    /** Set by a watcher when the version was published in a security suite (Debian's `bookworm-security`): a security update, advisory or not. Never taken from a caller. */
    security: SecuritySuiteMarkSchema.optional(),
    /**
     * What each variable a track's `set:` names takes for this version (the version, the tag,
     * the commit…): at most 32, each name UPPER_SNAKE_CASE, each value a bounded printable value.
     */
    vars: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]{0,127}$/, 'expected a variable name in UPPER_SNAKE_CASE'),
        z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9._+~:@/=%-]{0,255}$/,
            'expected a variable value (letters, digits and . _ + ~ : @ / = % -, at most 256)',
          ),
      )
      .refine((v) => Object.keys(v).length <= 32, 'expected at most 32 variables')
      .optional(),
    /** When the factory first saw the version (its clock): the soak counts from here. */
    firstSeenAt: z.number().int().nonnegative(),
  })
  .strict();
export type UpstreamEvent = z.infer<typeof UpstreamEventSchema>;

/** The job that plans an upstream event: the event itself is in the store (payloads carry ids). */
export const UpstreamEventJobSchema = z
  .object({
    v: z.literal(1),
    eventId: UpstreamEventSchema.shape.id,
  })
  .strict();
export type UpstreamEventJob = z.infer<typeof UpstreamEventJobSchema>;

/** The deterministic job id of an event's planning job (BullMQ job ids may not hold `:`). */
export function upstreamEventJobId(eventId: string): string {
  return `event.${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

/** The job that polls one watched source now (scheduled, or asked for). */
export const WatchPollJobSchema = z
  .object({
    v: z.literal(1),
    target: z.string().regex(/^[A-Za-z0-9._:/@-]{1,200}$/, 'expected a watch target key such as git_tags:example/tool'),
  })
  .strict();
export type WatchPollJob = z.infer<typeof WatchPollJobSchema>;
