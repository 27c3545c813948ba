import { loadConfig } from './load-config';

/** PF_STAGING_PREFIX is a repository path by the one OCI grammar of libs/oci (issue 15). */
describe('PF_STAGING_PREFIX', () => {
  it.each(['staging', 'ci/staging', 'team__a/stage--1', 'a.b_c'])('accepts %s', (prefix) => {
    expect(loadConfig({ PF_STAGING_PREFIX: prefix }).PF_STAGING_PREFIX).toBe(prefix);
  });

  it.each(['Staging', 'staging/', '../staging', 'staging area', 'registry.example.org:5000/staging', 'a___b'])(
    'refuses %j, naming the variable',
    (prefix) => {
      expect(() => loadConfig({ PF_STAGING_PREFIX: prefix })).toThrow(
        /PF_STAGING_PREFIX.*expected a lowercase repository path like staging/,
      );
    },
  );
});
