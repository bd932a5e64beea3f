// ECR end to end without AWS: moto_server answers the ECR API (GetAuthorizationToken,
// DescribeImages) and a real docker-registry serves the images, behind Basic auth with the user
// moto's token stands for. Nothing configures credentials: they must come from ECR.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand, PutImageCommand } from '@aws-sdk/client-ecr';
import { parseRegistriesConf } from '../../lib/registry/config';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { MetadataCache } from '../../lib/resolve/metadata-cache';
import { RegistryAccess } from '../../lib/resolve/registry-access';
import { resolveImage } from '../../lib/resolve/resolve-image';
import { MOTO_CREDENTIALS, startMoto, type Moto } from '../support/aws/moto';
import { pushImage, startRegistry, type RunningRegistry } from '../support/registry';
import { Tally, captureLog, imageSpec, noSecrets } from './helpers';

const REGION = 'eu-west-1';
const REPOSITORY = 'team/app';
/** Each tag's build time and its place in the push order: build times and push times disagree. */
const IMAGES = [
  { tag: 'gamma', created: new Date('2026-01-02T00:00:00Z') },
  { tag: 'alpha', created: new Date('2026-01-03T00:00:00Z') },
  { tag: 'beta', created: new Date('2026-01-01T00:00:00Z') },
];

describe('ECR through moto_server and a real registry', () => {
  let moto: Moto;
  let registry: RunningRegistry;
  let ecrHost: string;
  let password: string;
  const digests = new Map<string, string>();
  const environment = { ...process.env };

  before(async () => {
    moto = await startMoto();
    // The product reads no endpoint setting of its own: the SDK honours AWS_ENDPOINT_URL_ECR.
    process.env.AWS_ENDPOINT_URL_ECR = moto.endpoint;
    process.env.AWS_ACCESS_KEY_ID = MOTO_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = MOTO_CREDENTIALS.secretAccessKey;

    const setup = new ECRClient({ region: REGION, endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    const { repository } = await setup.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
    ecrHost = new URL(`https://${repository?.repositoryUri ?? ''}`).host;
    const { authorizationData } = await setup.send(new GetAuthorizationTokenCommand({}));
    const decoded = Buffer.from(authorizationData?.[0]?.authorizationToken ?? '', 'base64').toString();
    assert.ok(decoded.startsWith('AWS:'), "moto's token is AWS:<password>");
    password = decoded.slice('AWS:'.length);

    registry = await startRegistry({ auth: 'basic', users: [{ username: 'AWS', password }] });
    for (const [index, { tag, created }] of IMAGES.entries()) {
      const { digest } = await pushImage(registry, REPOSITORY, tag, { created });
      digests.set(tag, digest);
      const manifest = registry.push.manifests.get(`${REPOSITORY}:${tag}`);
      assert.ok(manifest);
      // moto records push times in whole seconds.
      if (index > 0) await sleep(1100);
      await setup.send(
        new PutImageCommand({
          repositoryName: REPOSITORY,
          imageTag: tag,
          imageManifest: manifest.bytes.toString('utf8'),
          imageManifestMediaType: manifest.mediaType,
          imageDigest: digest,
        }),
      );
    }
  });

  after(async () => {
    process.env = environment;
    await closeRegistryConnections();
    await registry?.stop();
    await moto?.stop();
  });

  /** One cycle's access. The registries.conf entry only routes the ECR host to the local registry; it names no credentials. */
  function cycle() {
    const routing = parseRegistriesConf(
      `registries:\n  - name: ecr-routed-to-local-registry\n    prefix: ${ecrHost}\n    api_url: ${registry.url}\n    insecure: yes  # plain http on loopback\n`,
      'registries.conf',
    );
    const log = captureLog();
    const tally = new Tally();
    const access = new RegistryAccess(new EndpointDirectory(routing), noSecrets, tally, log, { metadataCache: new MetadataCache() });
    return { access, log, tally, image: { registry: ecrHost, name: REPOSITORY } };
  }

  it('lists tags and digests from DescribeImages, without a registry request', async () => {
    const { access, tally, image } = cycle();
    const view = await access.repository(image, undefined);
    assert.deepEqual([...(await view.tags())].sort(), ['alpha', 'beta', 'gamma']);
    for (const { tag } of IMAGES) assert.equal(await view.digestOf(tag), digests.get(tag));
    assert.equal(tally.registryRequests, 0);
    assert.ok((tally.byKind['ecr-api'] ?? 0) >= 2, 'GetAuthorizationToken and DescribeImages');
  });

  it('reads push times from DescribeImages', async () => {
    const { access, image } = cycle();
    const view = await access.repository(image, undefined);
    assert.ok(view.pushTimes);
    const pushed = await view.pushTimes();
    const byPushTime = [...pushed].sort(([, a], [, b]) => a.getTime() - b.getTime()).map(([tag]) => tag);
    assert.deepEqual(byPushTime, ['gamma', 'alpha', 'beta']);
  });

  it('newest-push picks the latest push although its build is the oldest, without a registry request', async () => {
    const { access, tally, image } = cycle();
    const running = { ...image, tag: 'gamma' };
    const resolution = await resolveImage(imageSpec(image, 'newest-push'), running, await access.repository(image, undefined));
    assert.equal(resolution.kind, 'update');
    assert.equal(resolution.kind === 'update' && resolution.newImage.tag, 'beta');
    assert.equal(tally.registryRequests, 0);
  });

  it('newest-build picks the newest build, read from the registry with the ECR token', async () => {
    const { access, image } = cycle();
    const running = { ...image, tag: 'gamma' };
    const resolution = await resolveImage(imageSpec(image, 'newest-build'), running, await access.repository(image, undefined));
    assert.equal(resolution.kind === 'update' && resolution.newImage.tag, 'alpha');
  });

  it('digest takes the digest from DescribeImages, without a registry request', async () => {
    const { access, tally, image } = cycle();
    const running = { ...image, tag: 'alpha', digest: `sha256:${'0'.repeat(64)}` };
    const resolution = await resolveImage(imageSpec(image, 'digest', { constraint: 'alpha' }), running, await access.repository(image, undefined));
    assert.equal(resolution.kind === 'update' && resolution.newImage.digest, digests.get('alpha'));
    assert.equal(tally.registryRequests, 0);
  });

  it('reads build times from the registry, authenticated with the ECR token', async () => {
    const { access, tally, log, image } = cycle();
    const view = await access.repository(image, undefined);
    for (const { tag, created } of IMAGES) assert.deepEqual((await view.metadata(tag, undefined)).created, created);
    assert.ok((tally.byKind['manifest-get'] ?? 0) >= 3);
    assert.ok((tally.byKind.blob ?? 0) >= 3);
    assert.ok(!log.text().includes(password), 'the ECR password is in no log line');
  });
});
