import { z } from 'zod';

/** `os-release:` — what the image's /etc/os-release says. */
export const OsReleaseSchema = z.strictObject({
  name: z.string().optional(),
  id: z.string().optional(),
  /** Space-separated lowercase ids, e.g. `debian` or `rhel fedora`. */
  'id-like': z
    .string()
    .regex(/^[a-z0-9._-]+( [a-z0-9._-]+)*$/u)
    .optional(),
  'version-id': z.string().optional(),
  'version-codename': z.string().optional(),
  'pretty-name': z.string().optional(),
  'home-url': z.string().optional(),
  'bug-report-url': z.string().optional(),
});

export type OsRelease = z.output<typeof OsReleaseSchema>;
