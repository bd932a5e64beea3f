import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { DescribeImagesCommand, ECRClient, type DescribeImagesCommandInput, type ImageDetail } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import type { RegistryEndpoint } from '../../lib/registry/config';
import { describeTaggedImages, ecrRegistryOf, type PrivateEcrRegistry } from '../../lib/registry/ecr';
import { RegistryError } from '../../lib/registry/errors';
import { Tally, captureLog, digestOf } from './helpers';

const ecr = mockClient(ECRClient);
const REPOSITORY = 'team/app';
const START = Date.UTC(2026, 0, 1);

const registry = ecrRegistryOf('210987654321.dkr.ecr.eu-central-1.amazonaws.com') as PrivateEcrRegistry;

function context() {
  const endpoint: RegistryEndpoint = {
    name: registry.host,
    prefix: registry.host,
    apiUrl: `https://${registry.host}`,
    insecure: false,
    isDefault: false,
    tagSortMode: 'none',
  };
  return { endpoint, log: captureLog(), counter: new Tally() };
}

/** Image n: tag `1.0.<n>`, pushed n minutes after START; every tenth also carries `build-<n>`. */
function image(n: number): ImageDetail {
  return {
    imageDigest: digestOf(n),
    imageTags: n % 10 === 0 ? [`1.0.${n}`, `build-${n}`] : [`1.0.${n}`],
    imagePushedAt: new Date(START + n * 60_000),
  };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('describeTaggedImages', () => {
  beforeEach(() => ecr.reset());

  it('reads every page of a repository with more than 1000 images', async () => {
    const all = Array.from({ length: 2345 }, (_, n) => image(n));
    const pages = [all.slice(0, 1000), all.slice(1000, 2000), all.slice(2000)];
    ecr.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
      const index = input.nextToken === undefined ? 0 : Number(input.nextToken.replace('page-', ''));
      return { imageDetails: pages[index], nextToken: index + 1 < pages.length ? `page-${index + 1}` : undefined };
    });
    const run = context();

    const images = await describeTaggedImages(registry, REPOSITORY, run);

    const calls = ecr.commandCalls(DescribeImagesCommand).map((call) => call.args[0].input);
    assert.deepEqual(
      calls.map((input) => input.nextToken),
      [undefined, 'page-1', 'page-2'],
    );
    for (const input of calls) {
      assert.equal(input.registryId, '210987654321');
      assert.equal(input.repositoryName, REPOSITORY);
      assert.equal(input.maxResults, 1000);
      assert.deepEqual(input.filter, { tagStatus: 'TAGGED' });
    }
    assert.deepEqual(run.counter.byKind, { 'ecr-api': 3 });
    assert.equal(images.tags().length, 2345 + 235);
    assert.equal(images.digestOf('1.0.2344'), digestOf(2344));
    assert.equal(images.digestOf('build-1230'), digestOf(1230));
    assert.deepEqual(images.pushTimes().get('1.0.1500'), new Date(START + 1500 * 60_000));
  });

  it('passes over untagged images', async () => {
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [image(1), { imageDigest: digestOf(2), imagePushedAt: new Date(START) }, { ...image(3), imageTags: [] }],
    });
    assert.deepEqual((await describeTaggedImages(registry, REPOSITORY, context())).tags(), ['1.0.1']);
  });

  it('names the tag it does not know', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [image(1)] });
    const images = await describeTaggedImages(registry, REPOSITORY, context());
    assert.throws(() => images.digestOf('2.0.0'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.status, 404);
      assert.match(error.message, /repository team\/app: tag 2\.0\.0: not found/);
      return true;
    });
  });

  it('refuses an image without a push time or a digest', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [image(1), { imageDigest: digestOf(2), imageTags: ['x'] }] });
    await assert.rejects(describeTaggedImages(registry, REPOSITORY, context()), /DescribeImages: unexpected answer \(imageDetails\.1\.imagePushedAt/);
    ecr.reset();
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['x'], imagePushedAt: new Date(START), imageDigest: 'latest' }] });
    await assert.rejects(describeTaggedImages(registry, REPOSITORY, context()), /imageDetails\.0\.imageDigest/);
  });

  it('says which repository ECR does not have', async () => {
    ecr
      .on(DescribeImagesCommand)
      .rejects(awsError('RepositoryNotFoundException', "The repository with name 'team/app' does not exist in the registry with id '210987654321'"));
    await assert.rejects(describeTaggedImages(registry, REPOSITORY, context()), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.match(error.message, /^registry 210987654321\.dkr\.ecr\.eu-central-1\.amazonaws\.com \(.*\), repository team\/app: DescribeImages in eu-central-1: RepositoryNotFoundException/);
      return true;
    });
  });

  it('names the IAM action the role lacks', async () => {
    ecr.on(DescribeImagesCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: ecr:DescribeImages'));
    await assert.rejects(describeTaggedImages(registry, REPOSITORY, context()), /the function's IAM role needs ecr:DescribeImages/);
  });

  it('stops at a nextToken that never ends', async () => {
    ecr.on(DescribeImagesCommand).resolves({ imageDetails: [image(1)], nextToken: 'again' });
    await assert.rejects(describeTaggedImages(registry, REPOSITORY, context()), /DescribeImages: more than 1000 pages/);
  });
});
