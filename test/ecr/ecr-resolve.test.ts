// Resolution on ECR: which strategy reads what, and how many registry requests it costs.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand, type ImageDetail } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import type { ImageRef, Platform } from '../../lib/model';
import type { ManifestInfo } from '../../lib/registry/client';
import { parseRegistriesConf } from '../../lib/registry/config';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { RegistryAccess, type RepositoryView } from '../../lib/resolve/registry-access';
import { resolveImage } from '../../lib/resolve/resolve-image';
import { Tally, authorizationToken, captureLog, digestOf, hoursFromNow, imageSpec, noSecrets } from './helpers';

const ecr = mockClient(ECRClient);
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const IMAGE: ImageRef = { registry: HOST, name: 'team/app' };
const AMD64: Platform = { os: 'linux', arch: 'amd64' };
const ARM64: Platform = { os: 'linux', arch: 'arm64' };

function pushed(minute: number): Date {
  return new Date(Date.UTC(2026, 2, 1, 12, minute));
}

function detail(n: number, tags: string[], minute: number): ImageDetail {
  return { imageDigest: digestOf(n), imageTags: tags, imagePushedAt: pushed(minute) };
}

/** One cycle's view of IMAGE; the registry API is routed nowhere, so any request to it would fail. */
async function ecrView(): Promise<{ view: RepositoryView; tally: Tally }> {
  const tally = new Tally();
  const routing = parseRegistriesConf(`registries:\n  - name: ecr\n    prefix: ${HOST}\n    api_url: http://127.0.0.1:9\n`, 'registries.conf');
  const access = new RegistryAccess(new EndpointDirectory(routing), noSecrets, tally, captureLog());
  return { view: await access.repository(IMAGE, undefined), tally };
}

describe('resolving ECR images', () => {
  beforeEach(() => {
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: authorizationToken('resolve-password'), expiresAt: hoursFromNow(12) }],
    });
  });

  it('digest: the digest from DescribeImages, no registry HEAD', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [detail(1, ['1.0'], 1), detail(2, ['latest', '1.1'], 2)] });
    const { view, tally } = await ecrView();
    const running = { ...IMAGE, tag: 'latest', digest: digestOf(1) };
    const resolution = await resolveImage(imageSpec(IMAGE, 'digest', { constraint: 'latest' }), running, view);
    assert.equal(resolution.kind, 'update');
    assert.equal(resolution.kind === 'update' && resolution.newImage.digest, digestOf(2));
    assert.equal(tally.byKind['manifest-head'], undefined);
    assert.equal(tally.registryRequests, 0);
  });

  it('newest-push: the latest push, ties to the lexically greatest tag', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [detail(1, ['zeta'], 1), detail(2, ['alpha', 'beta'], 3), detail(3, ['gamma'], 2)],
    });
    const { view, tally } = await ecrView();
    const resolution = await resolveImage(imageSpec(IMAGE, 'newest-push'), { ...IMAGE, tag: 'zeta' }, view);
    assert.equal(resolution.kind === 'update' && resolution.newImage.tag, 'beta');
    assert.equal(tally.registryRequests, 0);
  });

  it('newest-push: a registry without push times is an error for the image', async () => {
    const view = stubView({ tags: ['1.0'] });
    await assert.rejects(
      resolveImage(imageSpec({ registry: 'ghcr.io', name: 'team/app' }, 'newest-push'), { registry: 'ghcr.io', name: 'team/app', tag: '1.0' }, view),
      /strategy newest-push needs a registry that records push times \(Amazon ECR\); https:\/\/ghcr\.io does not/,
    );
  });

  it('newest-push with platforms: reads manifests newest first until one offers a wanted platform', async () => {
    const manifests: string[] = [];
    const view = stubView({
      tags: ['arm-only', 'amd-only', 'both'],
      pushTimes: new Map([['arm-only', pushed(3)], ['amd-only', pushed(2)], ['both', pushed(1)]]),
      platforms: { 'arm-only': [ARM64], 'amd-only': [AMD64], both: [AMD64, ARM64] },
      onManifest: (tag) => manifests.push(tag),
    });
    const resolution = await resolveImage(imageSpec(IMAGE, 'newest-push', { platforms: [AMD64] }), { ...IMAGE, tag: 'both' }, view);
    assert.equal(resolution.kind === 'update' && resolution.newImage.tag, 'amd-only');
    assert.deepEqual(manifests, ['arm-only', 'amd-only']);
  });
});

/** A repository view that answers from memory, for what RegistryAccess does not decide. */
function stubView(options: {
  tags: string[];
  pushTimes?: Map<string, Date>;
  platforms?: Record<string, Platform[]>;
  onManifest?: (tag: string) => void;
}): RepositoryView {
  const unused = () => Promise.reject(new Error('not used by this test'));
  const view: RepositoryView = {
    endpoint: { name: 'stub', prefix: '', apiUrl: 'https://ghcr.io', insecure: false, isDefault: false, tagSortMode: 'none' },
    repository: 'team/app',
    tags: () => Promise.resolve(options.tags),
    digestOf: unused,
    metadata: unused,
    artifactManifest: unused,
    referrers: unused,
    smallBlob: unused,
    manifest: (tag) => {
      options.onManifest?.(tag);
      const manifest: ManifestInfo = { digest: digestOf(tag.length), mediaType: 'application/vnd.oci.image.index.v1+json', platforms: options.platforms?.[tag] ?? [] };
      return Promise.resolve(manifest);
    },
  };
  const { pushTimes } = options;
  if (pushTimes) view.pushTimes = () => Promise.resolve(pushTimes);
  return view;
}
