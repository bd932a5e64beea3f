// Cosign's signature format checked without a registry: public keys, the signed simple-signing
// payload, signature manifests and referrers indexes (bounded), cosign's own tags.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import {
  checkSignature,
  COSIGN,
  isCosignArtifactTag,
  MAX_SIGNATURES_PER_IMAGE,
  readPublicKey,
  signatureLayers,
  signatureReferrers,
  signatureTag,
} from '../../lib/verify/cosign';

const DIGEST = `sha256:${createHash('sha256').update('image').digest('hex')}`;
const OTHER_DIGEST = `sha256:${createHash('sha256').update('other image').digest('hex')}`;

function payload(digest = DIGEST, type = 'cosign container image signature'): Buffer {
  return Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'ghcr.io/acme/web' }, image: { 'docker-manifest-digest': digest }, type }, optional: null }));
}

function keyOf(pem: string): KeyObject {
  const parsed = readPublicKey(pem);
  assert.ok('key' in parsed, 'error' in parsed ? parsed.error : '');
  return parsed.key;
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();

test('an ECDSA P-256 signature over the payload naming the image verifies; another key or digest does not', () => {
  const signed = payload();
  const signature = sign('sha256', signed, ec.privateKey).toString('base64');
  assert.deepEqual(checkSignature(signed, signature, keyOf(ecPem), DIGEST), { valid: true });

  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(checkSignature(signed, signature, keyOf(stranger), DIGEST), { valid: false, reason: 'the signature does not verify with the configured public key' });
  assert.deepEqual(checkSignature(signed, signature, keyOf(ecPem), OTHER_DIGEST), {
    valid: false,
    reason: `the signed payload names digest "${DIGEST}", not ${OTHER_DIGEST}`,
  });
  const tampered = Buffer.from(signed.toString().replace('acme', 'evil'));
  assert.equal(checkSignature(tampered, signature, keyOf(ecPem), DIGEST).valid, false, 'the signature covers every byte of the payload');
});

test('a signed payload of another type, or not a simple-signing document, is refused', () => {
  const attestation = payload(DIGEST, 'cosign container image attestation');
  assert.deepEqual(checkSignature(attestation, sign('sha256', attestation, ec.privateKey).toString('base64'), keyOf(ecPem), DIGEST), {
    valid: false,
    reason: `the signed payload's type is "cosign container image attestation"`,
  });
  const text = Buffer.from('not json');
  assert.deepEqual(checkSignature(text, sign('sha256', text, ec.privateKey).toString('base64'), keyOf(ecPem), DIGEST), { valid: false, reason: 'the signed payload is not JSON' });
  assert.deepEqual(checkSignature(payload(), '', keyOf(ecPem), DIGEST), { valid: false, reason: 'the signature annotation is not base64' });
});

test('RSA (PKCS#1 v1.5, SHA-256) and Ed25519 keys verify too', () => {
  const signed = payload();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(checkSignature(signed, sign('sha256', signed, rsa.privateKey).toString('base64'), keyOf(rsaPem), DIGEST), { valid: true });
  const ed = generateKeyPairSync('ed25519');
  const edPem = ed.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(checkSignature(signed, sign(null, signed, ed.privateKey).toString('base64'), keyOf(edPem), DIGEST), { valid: true });
});

test('a public key must be PEM of a signing key type; the error never repeats the text', () => {
  assert.deepEqual(readPublicKey('not a key at all'), { error: 'is not a PEM-encoded public key' });
  const x25519 = generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
  assert.deepEqual(readPublicKey(x25519), { error: 'holds a x25519 key; expected ECDSA, RSA or Ed25519' });
});

test('signature layers: simple-signing layers with a signature annotation, at most the bound', () => {
  const layer = (n: number, mediaType: string = COSIGN.simpleSigningLayer, signature: string | undefined = 'c2ln') => ({
    mediaType,
    digest: `sha256:${String(n).padStart(64, '0')}`,
    size: 300,
    ...(signature !== undefined && { annotations: { [COSIGN.signatureAnnotation]: signature } }),
  });
  const manifest = {
    schemaVersion: 2,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'f'.repeat(64)}` },
    layers: [layer(1), layer(2, 'application/vnd.oci.image.layer.v1.tar+gzip'), layer(3, COSIGN.simpleSigningLayer, undefined), ...Array.from({ length: 9 }, (_, n) => layer(10 + n))],
  };
  const layers = signatureLayers(manifest);
  assert.equal(layers.length, MAX_SIGNATURES_PER_IMAGE);
  assert.deepEqual(layers[0], { digest: `sha256:${'1'.padStart(64, '0')}`, size: 300, signature: 'c2ln' });
  assert.deepEqual(signatureLayers({ layers: 'nonsense' }), []);
});

test('referrers: only cosign signature artifacts, at most the bound', () => {
  const entry = (n: number, artifactType: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${String(n).padStart(64, '0')}`, size: 1, artifactType });
  const index = {
    schemaVersion: 2,
    manifests: [entry(1, 'application/vnd.dev.sigstore.bundle.v0.3+json'), ...Array.from({ length: 7 }, (_, n) => entry(10 + n, COSIGN.signatureArtifactType))],
  };
  assert.deepEqual(signatureReferrers(index), Array.from({ length: MAX_SIGNATURES_PER_IMAGE }, (_, n) => `sha256:${String(10 + n).padStart(64, '0')}`));
  assert.deepEqual(signatureReferrers(undefined), []);
});

test("cosign's tags: where a digest's signature lives, and which tags are never images", () => {
  assert.equal(signatureTag(DIGEST), `${DIGEST.replace('sha256:', 'sha256-')}.sig`);
  assert.equal(isCosignArtifactTag(signatureTag(DIGEST)), true);
  assert.equal(isCosignArtifactTag(`sha256-${'a'.repeat(64)}.att`), true);
  assert.equal(isCosignArtifactTag('sha256-abc.sig'), false);
  assert.equal(isCosignArtifactTag('1.2.3'), false);
});
