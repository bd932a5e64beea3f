import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ImageRef } from '../../lib/model';
import type { RegistryEndpoint } from '../../lib/registry/config';
import { EndpointDirectory, isLoopbackHost } from '../../lib/registry/endpoints';

function configured(prefix: string, settings: Partial<RegistryEndpoint> = {}): RegistryEndpoint {
  return { name: prefix || 'catch-all', prefix, apiUrl: `https://${prefix || 'any'}.api`, insecure: false, isDefault: false, tagSortMode: 'none', ...settings };
}

const image = (registry: string, name: string): ImageRef => ({ registry, name });

describe('EndpointDirectory', () => {
  it('sends implicit images to built-in Docker Hub, with library/ for single names', () => {
    const directory = new EndpointDirectory([]);
    const hub = directory.endpointFor(image('', 'nginx'));
    assert.equal(hub.apiUrl, 'https://registry-1.docker.io');
    assert.equal(hub.rateLimitPerSecond, 10);
    assert.equal(hub.isDefault, true);
    assert.equal(directory.repositoryPath(hub, image('', 'nginx')), 'library/nginx');
    assert.equal(directory.repositoryPath(hub, image('', 'bitnami/nginx')), 'bitnami/nginx');
    assert.equal(directory.endpointFor(image('docker.io', 'bitnami/nginx')), hub);
  });

  it('uses the configured default for implicit images', () => {
    const mirror = configured('mirror.corp', { isDefault: true, defaultNamespace: 'hub' });
    const directory = new EndpointDirectory([mirror]);
    assert.equal(directory.endpointFor(image('', 'nginx')), mirror);
    assert.equal(directory.repositoryPath(mirror, image('', 'nginx')), 'hub/nginx');
    assert.equal(directory.endpointFor(image('docker.io', 'nginx')).isDefault, false, 'Docker Hub is no longer the default');
  });

  it('prefers the exact registry, then the longest prefix with a path', () => {
    const host = configured('foo.bar');
    const team1 = configured('foo.bar/team1');
    const team1Sub = configured('foo.bar/team1/sub');
    const directory = new EndpointDirectory([host, team1, team1Sub]);
    assert.equal(directory.endpointFor(image('foo.bar', 'team1/app')), host, 'an exact registry match wins');
    const withPaths = new EndpointDirectory([team1, team1Sub]);
    assert.equal(withPaths.endpointFor(image('foo.bar', 'team1/app')), team1);
    assert.equal(withPaths.endpointFor(image('foo.bar', 'team1/sub/app')), team1Sub);
    assert.equal(withPaths.endpointFor(image('foo.bar', 'team10/app')).apiUrl, 'https://foo.bar', 'prefixes end at a path segment');
  });

  it('infers https://<registry> at 20 requests/s for unknown registries, once', () => {
    const directory = new EndpointDirectory([]);
    const inferred = directory.endpointFor(image('ghcr.io', 'org/app'));
    assert.deepEqual(inferred, {
      name: 'ghcr.io',
      prefix: 'ghcr.io',
      apiUrl: 'https://ghcr.io',
      insecure: false,
      isDefault: false,
      rateLimitPerSecond: 20,
      tagSortMode: 'none',
    });
    assert.equal(directory.endpointFor(image('ghcr.io', 'org/other')), inferred);
  });

  it('keeps ECR Public within its published 10 requests/s', () => {
    assert.equal(new EndpointDirectory([]).endpointFor(image('public.ecr.aws', 'nginx/nginx')).rateLimitPerSecond, 10);
  });

  it('lets an entry without prefix catch every registry not otherwise matched, as the reference does', () => {
    const catchAll = configured('');
    const directory = new EndpointDirectory([catchAll]);
    assert.equal(directory.endpointFor(image('quay.io', 'org/app')), catchAll);
    assert.equal(directory.endpointFor(image('', 'nginx')).name, 'Docker Hub');
  });

  it('marks inferred loopback endpoints for the plain-http fallback', () => {
    const directory = new EndpointDirectory([]);
    assert.equal(directory.endpointFor(image('127.0.0.1:5000', 'team/app')).plainHttpFallback, true);
    assert.equal(directory.endpointFor(image('localhost:5000', 'team/app')).plainHttpFallback, true);
    assert.equal(directory.endpointFor(image('registry.local:5000', 'team/app')).plainHttpFallback, undefined);
  });
});

describe('isLoopbackHost', () => {
  it('recognises localhost, 127.0.0.0/8 and [::1]', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000', 'app.localhost']) {
      assert.equal(isLoopbackHost(host), true, host);
    }
    for (const host of ['10.0.0.1:5000', 'ghcr.io', '128.0.0.1', 'localhost.example.com', '[::2]']) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});
