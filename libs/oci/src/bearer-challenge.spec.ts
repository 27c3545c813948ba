import { parseAuthChallenge } from './bearer-challenge';

describe('parseAuthChallenge', () => {
  it('reads a registry Bearer challenge', () => {
    expect(
      parseAuthChallenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:pf/demo:pull"',
      ),
    ).toEqual({
      scheme: 'bearer',
      realm: 'https://auth.example/token',
      service: 'registry.example',
      scope: 'repository:pf/demo:pull',
    });
  });

  it('accepts any order, spaces, token values and escapes; the first of a repeated parameter wins', () => {
    expect(parseAuthChallenge('bearer scope="a b" , realm=https://x/t,service="s\\"q", realm="https://evil/"')).toEqual(
      { scheme: 'bearer', realm: 'https://x/t', service: 's"q', scope: 'a b' },
    );
  });

  it('reads Basic, and refuses the rest', () => {
    expect(parseAuthChallenge('Basic realm="registry"')).toEqual({ scheme: 'basic' });
    expect(parseAuthChallenge(null)).toBeUndefined();
    expect(parseAuthChallenge('Bearer service="x"')).toBeUndefined();
    expect(parseAuthChallenge('Digest realm="x"')).toBeUndefined();
    expect(parseAuthChallenge(`Bearer realm="${'a'.repeat(3000)}"`)).toBeUndefined();
  });
});
