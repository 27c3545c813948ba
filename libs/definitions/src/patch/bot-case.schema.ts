import { z } from 'zod';

/** One update the catalog's bot announced: the upstream ref that moved and the variables it changed. */
export const BotUpdateSchema = z.object({
  image: z.string().max(256),
  ref: z.string().min(1).max(1024),
  file: z.string().max(1024),
  vars: z.array(z.object({ name: z.string(), old: z.string(), new: z.string() }).strict()).max(256),
});

/** One line of a replay file (the shape of ../shared/corpus/dhi-bot-updates.jsonl). */
export const BotCaseSchema = z.object({
  id: z.string().min(1).max(128),
  commit: z.string().max(64).optional(),
  subject: z.string().max(4096).optional(),
  updates: z.array(BotUpdateSchema).min(1).max(1024),
  files: z.record(z.string().max(1024), z.object({ before: z.string(), after: z.string() }).strict()),
});
export type BotCase = z.infer<typeof BotCaseSchema>;

/** What kind of upstream ref a case follows: the replay reports each kind on its own. */
export type RefKind = 'pkg:deb' | 'pkg:apk' | 'image' | 'github' | 'url' | 'other';

export function refKind(ref: string): RefKind {
  if (ref.startsWith('pkg:deb/')) return 'pkg:deb';
  if (ref.startsWith('pkg:apk/')) return 'pkg:apk';
  if (/^https?:\/\//.test(ref)) return 'url';
  if (/^[a-z0-9][a-z0-9.-]*(\/[a-z0-9._-]+)+:[A-Za-z0-9._-]+$/.test(ref)) return 'image';
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(ref)) return 'github';
  return 'other';
}
