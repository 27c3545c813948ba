import { parseImageRef } from './image-ref';

/** Image references in definitions, by the one OCI grammar of libs/oci (issue 15). */
describe('parseImageRef', () => {
  it.each([
    ['127.0.0.1:5000/examples/redis:7.0', { host: '127.0.0.1:5000', path: 'examples/redis', tag: '7.0' }],
    ['[::1]:5000/x/y:1', { host: '[::1]:5000', path: 'x/y', tag: '1' }],
    [
      `localhost:5000/a/b@sha256:${'a'.repeat(64)}`,
      { host: 'localhost:5000', path: 'a/b', digest: `sha256:${'a'.repeat(64)}` },
    ],
    [
      'registry.example.org/team/app:1-debian13-dev',
      { host: 'registry.example.org', path: 'team/app', tag: '1-debian13-dev' },
    ],
    ['team/app:1', { path: 'team/app', tag: '1' }],
  ])('reads %s', (text, ref) => {
    expect(parseImageRef(text)).toEqual(ref);
  });

  it.each([
    'go/build@v1',
    'registry.example.org/team/app',
    'registry.example.org/Team/app:1',
    'https://registry.example.org/team/app:1',
    'registry.example.org/../app:1',
  ])('is not an image reference: %s', (text) => {
    expect(parseImageRef(text)).toBeUndefined();
  });
});
