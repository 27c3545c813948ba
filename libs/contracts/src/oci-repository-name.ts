/*
 * The repository-name part of the OCI distribution grammar (distribution/reference's grammar.go):
 *
 *   name           := path-component ["/" path-component]*
 *   path-component := alpha-numeric [separator alpha-numeric]*
 *   alpha-numeric  := /[a-z0-9]+/
 *   separator      := /[_.]|__|[-]+/
 *
 * Here, below every library, because configuration (PF_STAGING_PREFIX, libs/config) is checked
 * with it as much as references are (libs/oci's reference-grammar.ts builds the rest on it).
 */

/** Longest repository name accepted (the distribution implementation's own limit). */
export const MAX_REPOSITORY_NAME_LENGTH = 255;

/** A path component: lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-` (OCI distribution spec). */
export const OCI_PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';

const NAME = new RegExp(`^${OCI_PATH_COMPONENT}(?:/${OCI_PATH_COMPONENT})*$`);

/** True when `name` is a repository name of the OCI distribution grammar. */
export function isRepositoryName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_REPOSITORY_NAME_LENGTH && NAME.test(name);
}
