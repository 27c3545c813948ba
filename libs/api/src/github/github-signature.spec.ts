import { githubSignatureProblem } from './github-signature';

describe('githubSignatureProblem', () => {
  // GitHub's documented test vector ("Validating webhook deliveries").
  const secret = "It's a Secret to Everybody";
  const body = Buffer.from('Hello, World!');
  const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it("accepts GitHub's documented test vector", () => {
    expect(githubSignatureProblem(secret, body, signature)).toBeUndefined();
  });

  it.each([
    [undefined, 'missing'],
    ['', 'missing'],
    ['sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', 'not sha256='],
    ['sha256=757107EA', 'not sha256='],
    ['sha256=857107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', 'does not match'],
  ])('refuses the header %j', (header, why) => {
    expect(githubSignatureProblem(secret, body, header)).toContain(why);
  });

  it('refuses the right signature over another body or with another secret', () => {
    expect(githubSignatureProblem(secret, Buffer.from('Hello, World?'), signature)).toContain('does not match');
    expect(githubSignatureProblem(`${secret}!`, body, signature)).toContain('does not match');
  });
});
