import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPageUrl } from '../../lib/registry/link-header';
import { parseImageConfig, parseManifest } from '../../lib/registry/manifests';
import { formatPlatform, platformMatches } from '../../lib/registry/platform';
import { TokenBucket } from '../../lib/registry/rate-limit';
import { collectTagPages } from '../../lib/registry/tag-pages';
import { parseRetryAfter } from '../../lib/registry/transport';
import { parseWwwAuthenticate } from '../../lib/registry/www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('reads a Docker Hub Bearer challenge', () => {
    assert.deepEqual(
      parseWwwAuthenticate('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"'),
      [{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' } }],
    );
  });

  it('reads Basic, unquoted values, escapes and several challenges', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic realm="https://123.dkr.ecr.eu-west-1.amazonaws.com/",service="ecr.amazonaws.com"'), [
      { scheme: 'basic', params: { realm: 'https://123.dkr.ecr.eu-west-1.amazonaws.com/', service: 'ecr.amazonaws.com' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic realm="a \\"quoted\\" realm", Bearer realm=https://auth.example/token , service=reg'), [
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="https://ghcr.io/token", scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', scope: 'repository:a/b:pull,push' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate('Negotiate'), [{ scheme: 'negotiate', params: {} }]);
  });
});

describe('nextPageUrl', () => {
  const request = 'https://registry.example/v2/team/app/tags/list?n=100';

  it('resolves relative and absolute next links', () => {
    assert.equal(nextPageUrl('</v2/team/app/tags/list?last=b&n=100>; rel="next"', request), 'https://registry.example/v2/team/app/tags/list?last=b&n=100');
    assert.equal(nextPageUrl('<https://cdn.example/v2/x/tags/list?last=c>; rel=next', request), 'https://cdn.example/v2/x/tags/list?last=c');
  });

  it('picks rel="next" among several links and ignores the rest', () => {
    assert.equal(nextPageUrl('</prev>; rel="prev", </next?last=z>; title="x"; rel="next"', request), 'https://registry.example/next?last=z');
    assert.equal(nextPageUrl('</first>; rel="first"', request), undefined);
    assert.equal(nextPageUrl(null, request), undefined);
    assert.equal(nextPageUrl('garbage', request), undefined);
  });
});

describe('collectTagPages', () => {
  it('continues a full page without Link using last=, and stops on a repeated page', async () => {
    const requested: string[] = [];
    const pages: Record<string, string[]> = { '': ['a', 'b'], b: ['c', 'd'], d: ['e'] };
    const tags = await collectTagPages('https://r.example/v2/x/tags/list?n=2', 2, async (url) => {
      requested.push(url);
      return { tags: pages[new URL(url).searchParams.get('last') ?? ''] ?? [], link: null };
    });
    assert.deepEqual(tags, ['a', 'b', 'c', 'd', 'e']);
    assert.equal(requested.length, 3);

    let calls = 0;
    const ignoresLast = await collectTagPages('https://r.example/v2/x/tags/list?n=2', 2, async () => {
      calls += 1;
      return { tags: ['a', 'b'], link: null };
    });
    assert.deepEqual(ignoresLast, ['a', 'b']);
    assert.equal(calls, 2);
  });

  it('propagates a failing page instead of returning part of the list', async () => {
    await assert.rejects(
      collectTagPages('https://r.example/v2/x/tags/list?n=1', 1, async (url) => {
        if (url.includes('last=')) throw new Error('page 2 failed');
        return { tags: ['a'], link: null };
      }),
      /page 2 failed/,
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then spaces requests at the rate', () => {
    const start = 1_000_000;
    const bucket = new TokenBucket(2, start);
    assert.equal(bucket.reserve(start), 0);
    assert.equal(bucket.reserve(start), 0);
    assert.equal(bucket.reserve(start), 500);
    assert.equal(bucket.reserve(start), 1000);
    assert.equal(bucket.reserve(start + 2000), 0, 'tokens come back with time');
  });

  it('refuses a slot that would come after the deadline, without taking it', () => {
    const start = 1_000_000;
    const bucket = new TokenBucket(1, start);
    assert.equal(bucket.reserve(start), 0);
    assert.equal(bucket.reserve(start, start + 500), undefined);
    assert.equal(bucket.reserve(start, start + 1000), 1000);
  });
});

describe('platforms', () => {
  it('matches exactly, or a variant against a wanted platform without one', () => {
    const armV7 = { os: 'linux', arch: 'arm', variant: 'v7' };
    assert.equal(platformMatches(armV7, undefined), true);
    assert.equal(platformMatches(armV7, [{ os: 'linux', arch: 'arm' }]), true);
    assert.equal(platformMatches(armV7, [{ os: 'linux', arch: 'arm', variant: 'v6' }]), false);
    assert.equal(platformMatches({ os: 'linux', arch: 'arm' }, [armV7]), false);
    assert.equal(platformMatches({ os: 'linux', arch: 'amd64' }, [{ os: 'windows', arch: 'amd64' }]), false);
    assert.equal(formatPlatform(armV7), 'linux/arm/v7');
  });
});

describe('parseManifest', () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const digest = `sha256:${'a'.repeat(64)}`;

  it('tells the kinds apart by mediaType, Content-Type or shape', () => {
    const index = parseManifest(
      json({
        schemaVersion: 2,
        manifests: [
          { digest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { digest, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
        ],
      }),
      null,
    );
    assert.deepEqual(index, {
      kind: 'index',
      mediaType: 'application/vnd.oci.image.index.v1+json',
      children: [{ digest, platform: { os: 'linux', arch: 'arm64', variant: 'v8' } }],
    });
    const image = parseManifest(
      json({ schemaVersion: 2, config: { digest, mediaType: 'application/vnd.docker.container.image.v1+json' } }),
      'application/vnd.docker.distribution.manifest.v2+json',
    );
    assert.deepEqual(image, { kind: 'image', mediaType: 'application/vnd.docker.distribution.manifest.v2+json', configDigest: digest });
    const artifact = parseManifest(json({ schemaVersion: 2, config: { digest, mediaType: 'application/vnd.cncf.helm.config.v1+json' } }), null);
    assert.deepEqual(artifact, { kind: 'image', mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  });

  it('reads schema 1 manifests from their newest history entry', () => {
    const v1 = parseManifest(
      json({
        schemaVersion: 1,
        architecture: 'amd64',
        history: [{ v1Compatibility: JSON.stringify({ created: '2023-05-01T10:00:00.123456789Z', os: 'linux', architecture: 'amd64' }) }],
      }),
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
    );
    assert.deepEqual(v1, {
      kind: 'v1',
      mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
      config: { platform: { os: 'linux', arch: 'amd64' }, created: new Date('2023-05-01T10:00:00.123Z') },
    });
  });

  it('rejects what it cannot read', () => {
    assert.throws(() => parseManifest(Buffer.from('nope'), null), /manifest is not valid JSON/);
    assert.throws(() => parseManifest(json({ schemaVersion: 2, mediaType: 'application/x-other' }), null), /unsupported manifest media type application\/x-other/);
    assert.throws(() => parseManifest(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json' }), null), /invalid application\/vnd\.oci\.image\.index\.v1\+json/);
  });

  it('reads created as RFC 3339 with offsets and nanoseconds, and refuses other formats', () => {
    assert.deepEqual(parseImageConfig(json({ created: '2024-02-03T04:05:06.999999999+02:00' })).created, new Date('2024-02-03T02:05:06.999Z'));
    assert.equal(parseImageConfig(json({})).created, undefined);
    assert.throws(() => parseImageConfig(json({ created: 'yesterday' })), /created "yesterday" is not an RFC 3339 time/);
  });
});
