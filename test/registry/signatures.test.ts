// Cosign signature verification against a real docker-registry: signatures made with Node's crypto,
// pushed over the registry API as `sha256-<hex>.sig` tags, or as referrers served by a proxy (the
// registry itself, distribution 2.8, has no referrers API and answers 404 there).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ImageRef, ImageSpecification } from '../../lib/model';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { RegistryAccess } from '../../lib/resolve/registry-access';
import { MAX_SIGNATURE_CANDIDATES, resolveImage, type Resolution } from '../../lib/resolve/resolve-image';
import { readPublicKey } from '../../lib/verify/cosign';
import { signatureGate } from '../../lib/verify/image-signatures';
import { cosignKeys, pushCosignSignature, pushImage, startReferrersProxy, startRegistry, type CosignKeys, type RunningRegistry } from '../support/registry';
import { imageSpec } from '../unit/fixtures';
import { captureLog, CountingRequests, endpointFor } from './helpers';

const noSecrets = { readSecret: () => Promise.reject(new Error('no secrets in this test')) };

describe('cosign signature verification on a real registry', () => {
  let registry: RunningRegistry;
  const signer = cosignKeys();
  const stranger = cosignKeys();

  before(async () => {
    registry = await startRegistry();
  });

  after(async () => {
    await registry.stop();
    await closeRegistryConnections();
  });

  /** Pushes the tags of `repository` in order (later ones newer) and returns their digests. */
  async function push(repository: string, tags: string[]): Promise<Record<string, string>> {
    const digests: Record<string, string> = {};
    for (const [index, tag] of tags.entries()) {
      digests[tag] = (await pushImage(registry, repository, tag, { created: new Date(Date.UTC(2026, 0, 1, index)) })).digest;
    }
    return digests;
  }

  async function resolve(repository: string, running: string, keys: CosignKeys = signer, url = registry.url, host = registry.host, strategy: ImageSpecification['strategy'] = 'semver') {
    const counter = new CountingRequests();
    const access = new RegistryAccess(new EndpointDirectory([endpointFor(url)]), noSecrets, counter, captureLog());
    const image: ImageRef = { registry: host, name: repository };
    const spec: ImageSpecification = imageSpec({ image, strategy });
    const view = await access.repository(image, undefined);
    const parsed = readPublicKey(keys.publicKeyPem);
    assert.ok('key' in parsed);
    const resolution = await resolveImage(spec, { ...image, tag: running }, view, signatureGate(view, parsed.key));
    return { resolution, counter };
  }

  function picked(resolution: Resolution): string | undefined {
    return resolution.kind === 'update' ? resolution.newImage.tag : undefined;
  }

  it('a tag signed with the key is the update', async () => {
    const digests = await push('signed/app', ['1.0.0', '1.1.0']);
    await pushCosignSignature(registry, 'signed/app', digests['1.1.0'] ?? '', signer);
    const { resolution } = await resolve('signed/app', '1.0.0');
    assert.equal(picked(resolution), '1.1.0');
    assert.equal(resolution.unsigned, undefined);
  });

  it("cosign's own sha256-<hex>.sig tags are never candidates (alphabetical would sort them first)", async () => {
    const digests = await push('sorted/app', ['a-1', 'a-2']);
    await pushCosignSignature(registry, 'sorted/app', digests['a-2'] ?? '', signer);
    const { resolution } = await resolve('sorted/app', 'a-1', signer, registry.url, registry.host, 'alphabetical');
    assert.equal(picked(resolution), 'a-2');
    assert.equal(resolution.unsigned, undefined);
  });

  it('an unsigned newer tag is skipped with its reason; the older signed one is the update', async () => {
    const digests = await push('partly/app', ['1.0.0', '1.1.0', '1.2.0']);
    await pushCosignSignature(registry, 'partly/app', digests['1.1.0'] ?? '', signer);
    const { resolution } = await resolve('partly/app', '1.0.0');
    assert.equal(picked(resolution), '1.1.0');
    assert.deepEqual(resolution.unsigned?.map((entry) => entry.tag), ['1.2.0']);
    assert.match(resolution.unsigned?.[0]?.reason ?? '', /no cosign signature of sha256:[0-9a-f]{64} \(no sha256-[0-9a-f]{64}\.sig tag, no signature referrer\)/);
  });

  it('a signature by another key is refused, and the image stays', async () => {
    const digests = await push('stranger/app', ['1.0.0', '1.1.0']);
    await pushCosignSignature(registry, 'stranger/app', digests['1.1.0'] ?? '', stranger);
    const { resolution } = await resolve('stranger/app', '0.9.0');
    assert.equal(resolution.kind, 'none');
    assert.match(resolution.kind === 'none' ? resolution.reason : '', /no valid cosign signature on the tag\(s\) the strategy picks: 1\.1\.0, 1\.0\.0$/);
    assert.match(resolution.unsigned?.[0]?.reason ?? '', /the signature does not verify with the configured public key/);
  });

  it("a signed payload naming another image's digest is refused", async () => {
    const digests = await push('replayed/app', ['1.0.0', '1.1.0']);
    // A valid signature of 1.0.0's digest, stored as if it were 1.1.0's.
    await pushCosignSignature(registry, 'replayed/app', digests['1.1.0'] ?? '', signer, { payloadDigest: digests['1.0.0'] ?? '' });
    const { resolution } = await resolve('replayed/app', '1.0.0');
    assert.equal(resolution.kind, 'current', 'the running 1.0.0 is the next pick: it stays');
    assert.match(resolution.unsigned?.[0]?.reason ?? '', new RegExp(`the signed payload names digest "${digests['1.0.0']}", not ${digests['1.1.0']}`));
  });

  it(`at most ${MAX_SIGNATURE_CANDIDATES} picks are checked, in a bounded number of requests`, async () => {
    const tags = Array.from({ length: 8 }, (_, index) => `1.${index}.0`);
    const digests = await push('unsigned/app', tags);
    await pushCosignSignature(registry, 'unsigned/app', digests['1.0.0'] ?? '', signer);
    const { resolution, counter } = await resolve('unsigned/app', '0.9.0');
    assert.equal(resolution.kind, 'none', 'the signed 1.0.0 is the eighth pick, past the bound');
    assert.deepEqual(resolution.unsigned?.map((entry) => entry.tag), ['1.7.0', '1.6.0', '1.5.0', '1.4.0', '1.3.0']);
    assert.match(resolution.kind === 'none' ? resolution.reason : '', /at most 5 are checked/);
    // Per pick: a HEAD for its digest, the referrers API (404 here) and the signature tag (404).
    assert.equal(counter.counts['manifest-head'], 5);
    assert.equal(counter.counts.referrers, 5);
    assert.equal(counter.counts['manifest-get'], 5);
  });

  it('an RSA or Ed25519 key verifies too', async () => {
    for (const type of ['rsa', 'ed25519'] as const) {
      const keys = cosignKeys(type);
      const repository = `${type}/app`;
      const digests = await push(repository, ['1.0.0', '1.1.0']);
      await pushCosignSignature(registry, repository, digests['1.1.0'] ?? '', keys);
      assert.equal(picked((await resolve(repository, '1.0.0', keys)).resolution), '1.1.0', type);
    }
  });

  it('a signature found only through the referrers API verifies where the registry offers it', async () => {
    const proxy = await startReferrersProxy(registry);
    try {
      const digests = await push('referred/app', ['1.0.0', '1.1.0']);
      const digest = digests['1.1.0'] ?? '';
      const { descriptor } = await pushCosignSignature(registry, 'referred/app', digest, signer, { asReferrer: true });
      proxy.addReferrer('referred/app', digest, descriptor);

      const { resolution, counter } = await resolve('referred/app', '1.0.0', signer, proxy.url, proxy.host);
      assert.equal(picked(resolution), '1.1.0');
      assert.deepEqual(proxy.served, [`referred/app@${digest}`]);
      assert.equal(counter.counts['manifest-get'], 1, 'the referred signature manifest only: no signature tag needed');

      // Without the proxy, the registry has neither the referrers API nor a signature tag.
      const direct = await resolve('referred/app', '1.0.0');
      assert.equal(direct.resolution.kind, 'current');
    } finally {
      await proxy.stop();
    }
  });
});
