// RegistryClient against a real docker-registry without authentication.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../lib/registry/client';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { NoMatchingPlatformError, RegistryError } from '../../lib/registry/errors';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { pushImage, pushImages, startPagingProxy, startRegistry, tagImage, type RunningRegistry } from '../support/registry';
import { captureLog, CountingRequests, endpointFor } from './helpers';

const AMD64 = { os: 'linux', arch: 'amd64' };
const ARM64 = { os: 'linux', arch: 'arm64' };
const ARM_V7 = { os: 'linux', arch: 'arm', variant: 'v7' };

describe('RegistryClient on an open registry', () => {
  let registry: RunningRegistry;
  const digests: Record<string, string> = {};

  before(async () => {
    registry = await startRegistry();
    digests.single = (await pushImage(registry, 'team/app', '1.0.0', { created: new Date('2024-03-01T12:00:00Z') })).digest;
    await tagImage(registry, 'team/app', '1.0.0', '1.0.1');
    digests.multi = (
      await pushImage(registry, 'team/app', '2.0.0', {
        created: new Date('2024-05-01T00:00:00Z'),
        platforms: [
          { ...AMD64, created: new Date('2024-05-01T00:00:00Z') },
          { ...ARM64, created: new Date('2024-06-01T00:00:00Z') },
          { ...ARM_V7, created: new Date('2024-07-01T00:00:00Z') },
        ],
      })
    ).digest;
    digests.docker = (await pushImage(registry, 'team/docker', 'v1', { mediaType: 'docker', created: new Date('2023-01-01T00:00:00Z') })).digest;
    await pushImages(
      registry,
      Array.from({ length: 25 }, (_, index) => ({ repository: 'team/many', tag: `t${String(index).padStart(2, '0')}`, options: { created: new Date(0) } })),
    );
  });

  after(async () => {
    await registry.stop();
    await closeRegistryConnections();
  });

  function client(counter = new CountingRequests(), pageSize?: number) {
    const options = { endpoint: endpointFor(registry.url), log: captureLog(), counter };
    return new RegistryClient(pageSize === undefined ? options : { ...options, pageSize });
  }

  it('lists tags anonymously, pinging once', async () => {
    const counter = new CountingRequests();
    const registryClient = client(counter);
    assert.deepEqual((await registryClient.listTags('team/app')).sort(), ['1.0.0', '1.0.1', '2.0.0']);
    assert.deepEqual((await registryClient.listTags('team/docker')).sort(), ['v1']);
    assert.deepEqual(counter.counts, { ping: 1, tags: 2 });
  });

  it('reads a registry that does not page in one request (distribution 2.8 ignores n)', async () => {
    const counter = new CountingRequests();
    const tags = await client(counter, 10).listTags('team/many');
    assert.equal(new Set(tags).size, 25);
    assert.equal(counter.counts.tags, 2, 'a full first page asks once more with last=, gets the same tags, and stops');
  });

  for (const style of ['link', 'ghcr'] as const) {
    it(`reads every page of a registry that pages ${style === 'link' ? 'with Link headers' : 'without Link headers (ghcr)'}`, async () => {
      const proxy = await startPagingProxy(registry, style);
      try {
        const counter = new CountingRequests();
        const registryClient = new RegistryClient({ endpoint: endpointFor(proxy.url), log: captureLog(), counter, pageSize: 10 });
        const tags = await registryClient.listTags('team/many');
        assert.deepEqual(tags, Array.from({ length: 25 }, (_, index) => `t${String(index).padStart(2, '0')}`));
        assert.equal(counter.counts.tags, 3);
      } finally {
        await proxy.stop();
      }
    });
  }

  it('gets the digest by HEAD, equal to the pushed one', async () => {
    const counter = new CountingRequests();
    const registryClient = client(counter);
    assert.equal(await registryClient.digestOf('team/app', '1.0.0'), digests.single);
    assert.equal(await registryClient.digestOf('team/app', '1.0.1'), digests.single);
    assert.equal(await registryClient.digestOf('team/app', '2.0.0'), digests.multi);
    assert.deepEqual(counter.counts, { ping: 1, 'manifest-head': 3 });
  });

  it('describes single-platform images and indexes', async () => {
    const registryClient = client();
    const single = await registryClient.manifest('team/app', '1.0.0');
    assert.equal(single.digest, digests.single);
    assert.equal(single.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(single.platforms, [AMD64]);
    assert.match(single.configDigest ?? '', /^sha256:[0-9a-f]{64}$/);

    const index = await registryClient.manifest('team/app', '2.0.0');
    assert.equal(index.digest, digests.multi);
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index.platforms, [AMD64, ARM64, ARM_V7]);
    assert.equal(index.children?.length, 3);

    const docker = await registryClient.manifest('team/docker', 'v1');
    assert.equal(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(docker.digest, digests.docker);
    assert.equal((await registryClient.manifest('team/app', digests.single ?? '')).digest, digests.single);
  });

  it('reads the build time of a single-platform image', async () => {
    const counter = new CountingRequests();
    const metadata = await client(counter).metadata('team/app', '1.0.0');
    assert.deepEqual(metadata, { digest: digests.single, created: new Date('2024-03-01T12:00:00Z'), platforms: [AMD64] });
    assert.deepEqual(counter.counts, { ping: 1, 'manifest-get': 1, blob: 1 });
    const docker = await client().metadata('team/docker', 'v1', [AMD64]);
    assert.deepEqual(docker.created, new Date('2023-01-01T00:00:00Z'));
  });

  it('takes the newest matching child of an index', async () => {
    const registryClient = client();
    const any = await registryClient.metadata('team/app', '2.0.0');
    assert.equal(any.digest, digests.multi, 'the digest is the index digest');
    assert.deepEqual(any.created, new Date('2024-07-01T00:00:00Z'));

    const counter = new CountingRequests();
    const filtered = await client(counter).metadata('team/app', '2.0.0', [AMD64, ARM64]);
    assert.deepEqual(filtered.created, new Date('2024-06-01T00:00:00Z'));
    assert.deepEqual(filtered.platforms, [AMD64, ARM64]);
    assert.deepEqual(counter.counts, { ping: 1, 'manifest-get': 3, blob: 2 });

    const armAnyVariant = await registryClient.metadata('team/app', '2.0.0', [{ os: 'linux', arch: 'arm' }]);
    assert.deepEqual(armAnyVariant.platforms, [ARM_V7]);
  });

  it('throws NoMatchingPlatformError when no platform matches', async () => {
    const registryClient = client();
    await assert.rejects(registryClient.metadata('team/app', '2.0.0', [{ os: 'windows', arch: 'amd64' }]), (error: Error) => {
      assert.ok(error instanceof NoMatchingPlatformError);
      assert.match(error.message, /repository team\/app: 2\.0\.0 has no image for platform windows\/amd64 \(it offers linux\/amd64, linux\/arm64, linux\/arm\/v7\)/);
      return true;
    });
    await assert.rejects(registryClient.metadata('team/app', '1.0.0', [ARM64]), NoMatchingPlatformError);
  });

  it('names the registry, the repository and the status when something is missing', async () => {
    const registryClient = client();
    await assert.rejects(registryClient.listTags('team/absent'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.status, 404);
      assert.equal(error.repository, 'team/absent');
      assert.match(error.message, new RegExp(`registry .* \\(${registry.url}\\), repository team/absent: listing tags: not found \\(HTTP 404, NAME_UNKNOWN`));
      return true;
    });
    await assert.rejects(registryClient.digestOf('team/app', '9.9.9'), /repository team\/app: manifest 9\.9\.9: not found \(HTTP 404\)/);
    await assert.rejects(registryClient.metadata('team/app', '9.9.9'), /repository team\/app: manifest 9\.9\.9: not found \(HTTP 404, MANIFEST_UNKNOWN/);
    await assert.rejects(registryClient.listTags('Team/App'), /repository Team\/App: invalid repository name/);
    await assert.rejects(registryClient.digestOf('team/app', '../x'), /invalid tag or digest "\.\.\/x"/);
  });

  it('falls back to plain http for a loopback registry the operator names (the CLI test command)', async () => {
    const directory = new EndpointDirectory([], { inferredOperatorTrusted: true });
    const image = { registry: registry.host, name: 'team/app' };
    const endpoint = directory.endpointFor(image);
    assert.equal(endpoint.apiUrl, `https://${registry.host}`);
    const log = captureLog();
    const registryClient = new RegistryClient({ endpoint, log });
    assert.deepEqual((await registryClient.listTags(directory.repositoryPath(endpoint, image))).sort(), ['1.0.0', '1.0.1', '2.0.0']);
    assert.ok(log.lines.some((line) => line.message === 'registry does not answer https, trying http'));
    const again = new RegistryClient({ endpoint, log: captureLog(), counter: new CountingRequests() });
    assert.equal(await again.digestOf('team/app', '1.0.0'), digests.single, 'later clients use http at once');
  });

  it('fails clearly when the deadline has passed', async () => {
    const registryClient = new RegistryClient({ endpoint: endpointFor(registry.url), log: captureLog(), deadline: Date.now() - 1 });
    await assert.rejects(registryClient.listTags('team/app'), /repository team\/app: GET .*\/v2\/: deadline reached/);
  });
});
