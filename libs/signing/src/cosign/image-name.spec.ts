import { PredicateType } from '../attest/predicate-types';
import { statementFor } from '../attest/in-toto-statement';
import { loadPublicKey, signingKeyFromPem } from '../keys/p256-key';
import { fakeImage, p256Pem } from '../signing.fixture';
import { signImage } from '../sign-image';
import { parseSimpleSigningPayload, simpleSigningPayload } from './simple-signing';
import { verifySimpleSigning } from './verify-simple-signing';

/** Signatures of images whose registry host has a port, or is an IP address (issue 15). */

const key = p256Pem();
const signer = signingKeyFromPem(key.privatePem, 'key');
const publicKey = loadPublicKey(key.publicPem);

describe('signing images named by the OCI reference grammar', () => {
  it.each([
    '127.0.0.1:5000/examples/redis',
    '[::1]:5000/x/y',
    'localhost:5000/a/b',
    'registry.example.org:5000/team/app',
  ])('signs %s and the signature verifies against that name', async (name) => {
    const image = fakeImage('port', name);
    const s = await signImage({ key: signer, image });
    expect(parseSimpleSigningPayload(s.payload)?.critical.identity['docker-reference']).toBe(name);
    expect(
      verifySimpleSigning({
        payload: s.payload,
        signature: s.signature,
        publicKey,
        imageDigest: image.digest,
        reference: name,
      }),
    ).toMatchObject({ ok: true });
    expect(statementFor(image, PredicateType.cyclonedx, {}).subject[0]?.name).toBe(name);
  });

  it.each([
    ['registry.example.org:5000/team/app:1', 'has a tag'],
    [`registry.example.org:5000/team/app@sha256:${'a'.repeat(64)}`, 'has a digest'],
    ['registry.example.org:5000/Team/app', 'upper-case'],
    ['https://registry.example.org/team/app', 'URL scheme'],
    ['registry.example.org/../app', '".."'],
    ['registry.example.org/app\n', 'control character'],
    ['-host-:5000/app', 'registry host'],
  ])('refuses to sign %j, saying why', (name, why) => {
    expect(() => simpleSigningPayload(name, fakeImage().digest)).toThrow(why);
    expect(() => simpleSigningPayload(name, fakeImage().digest)).toThrow(/^simple signing: image reference/);
  });

  it('an attestation subject is an image name by the grammar too', () => {
    expect(() =>
      statementFor(fakeImage('x', 'registry.example.org/app with space'), PredicateType.cyclonedx, {}),
    ).toThrow('whitespace');
    expect(
      statementFor(fakeImage('x', 'registry.example.org:5000/team/app:1'), PredicateType.cyclonedx, {}).subject[0]
        ?.name,
    ).toBe('registry.example.org:5000/team/app:1');
  });
});
