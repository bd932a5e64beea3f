// How RegistryAccess plugs ECR in: which images get the role's token, which views answer from
// DescribeImages, and which stay with the registry API.
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import { mockClient } from 'aws-sdk-client-mock';
import type { ImageRef } from '../../lib/model';
import { parseRegistriesConf } from '../../lib/registry/config';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { RegistryAccess } from '../../lib/resolve/registry-access';
import { Tally, authorizationToken, captureLog, digestOf, hoursFromNow, noSecrets } from './helpers';

const ecr = mockClient(ECRClient);
const ecrPublic = mockClient(ECRPUBLICClient);
/** Nothing listens there: a registry API request would be counted, then fail. */
const NO_REGISTRY = 'http://127.0.0.1:9';
const PUSHED = new Date('2026-03-01T12:00:00Z');

function access(registriesConf = '') {
  const tally = new Tally();
  const log = captureLog();
  const configured = parseRegistriesConf(registriesConf, 'registries.conf');
  return { registries: new RegistryAccess(new EndpointDirectory(configured), noSecrets, tally, log), tally, log };
}

/** The ECR host routed nowhere, optionally with credentials of its own. */
function routing(host: string, credentials?: string): string {
  return [
    'registries:',
    '  - name: ecr',
    `    prefix: ${host}`,
    `    api_url: ${NO_REGISTRY}`,
    ...(credentials ? [`    credentials: ${credentials}`] : []),
    '',
  ].join('\n');
}

describe('RegistryAccess on ECR', () => {
  const environment = { ...process.env };
  after(() => {
    process.env = environment;
  });
  beforeEach(() => {
    ecr.reset();
    ecrPublic.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: authorizationToken('registry-access-password'), expiresAt: hoursFromNow(12) }],
    });
    ecr.on(DescribeImagesCommand).resolves({
      imageDetails: [
        { imageDigest: digestOf(1), imageTags: ['1.0.0', 'latest'], imagePushedAt: PUSHED },
        { imageDigest: digestOf(2), imageTags: ['1.1.0'], imagePushedAt: new Date(PUSHED.getTime() + 60_000) },
      ],
    });
  });

  it('answers tags and digests from one DescribeImages call and no registry request', async () => {
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const { registries, tally } = access(routing(host));
    const image: ImageRef = { registry: host, name: 'team/app' };
    const view = await registries.repository(image, undefined);
    // A second image tracking the same repository in the same cycle shares the answer.
    const again = await registries.repository(image, undefined);

    assert.deepEqual(await view.tags(), ['1.0.0', 'latest', '1.1.0']);
    assert.equal(await view.digestOf('latest'), digestOf(1));
    assert.equal(await again.digestOf('1.1.0'), digestOf(2));
    assert.equal(tally.registryRequests, 0);
    assert.equal(ecr.commandCalls(DescribeImagesCommand).length, 1);
    assert.equal(ecr.commandCalls(DescribeImagesCommand)[0]?.args[0].input.registryId, '123456789012');
  });

  it('offers push times', async () => {
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    const view = await access(routing(host)).registries.repository({ registry: host, name: 'team/app' }, undefined);
    assert.ok(view.pushTimes);
    assert.deepEqual(await view.pushTimes(), new Map([['1.0.0', PUSHED], ['latest', PUSHED], ['1.1.0', new Date(PUSHED.getTime() + 60_000)]]));
  });

  it('needs no configuration at all: the endpoint is inferred from the host', async () => {
    const host = '210987654321.dkr.ecr.us-east-2.amazonaws.com';
    const view = await access().registries.repository({ registry: host, name: 'other-account/app' }, undefined);
    assert.equal(view.endpoint.apiUrl, `https://${host}`);
    assert.equal(await view.digestOf('1.0.0'), digestOf(1));
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 1);
  });

  it('keeps configured credentials for the registry API, and still offers push times from the role', async () => {
    const host = '123456789013.dkr.ecr.eu-west-1.amazonaws.com';
    process.env.ECR_TEST_CREDENTIALS = 'AWS:from-a-script';
    const { registries, tally } = access(routing(host, 'env:ECR_TEST_CREDENTIALS'));
    const view = await registries.repository({ registry: host, name: 'team/app' }, undefined);
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 0);
    assert.ok(view.pushTimes);
    assert.equal((await view.pushTimes()).size, 3);
    // The tag list comes from the registry, which is not there.
    await assert.rejects(view.tags());
    assert.equal(tally.byKind.ping, 1);
  });

  it('leaves a pull secret in charge of the registry API', async () => {
    const host = '123456789014.dkr.ecr.eu-west-1.amazonaws.com';
    const { registries } = access(routing(host));
    await assert.rejects(registries.repository({ registry: host, name: 'team/app' }, 'pullsecret:argocd/ecr'), /cannot read secret argocd\/ecr/);
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 0);
  });

  it('takes the ECR Public token, without DescribeImages or push times', async () => {
    ecrPublic
      .on(GetPublicAuthorizationTokenCommand)
      .resolves({ authorizationData: { authorizationToken: authorizationToken('public-registry-access'), expiresAt: hoursFromNow(12) } });
    const view = await access().registries.repository({ registry: 'public.ecr.aws', name: 'nginx/nginx' }, undefined);
    assert.equal(view.pushTimes, undefined);
    assert.equal(ecrPublic.commandCalls(GetPublicAuthorizationTokenCommand).length, 1);
    assert.equal(ecr.calls().length, 0);
  });

  it('leaves other registries alone', async () => {
    const view = await access().registries.repository({ registry: 'ghcr.io', name: 'team/app' }, undefined);
    assert.equal(view.pushTimes, undefined);
    assert.equal(ecr.calls().length + ecrPublic.calls().length, 0);
  });

  it('reports a token failure once per cycle, and tries again the next cycle', async () => {
    const host = '123456789015.dkr.ecr.eu-west-1.amazonaws.com';
    ecr.reset();
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }))
      .resolves({ authorizationData: [{ authorizationToken: authorizationToken('second-cycle'), expiresAt: hoursFromNow(12) }] });
    const first = access(routing(host)).registries;
    await assert.rejects(first.repository({ registry: host, name: 'a' }, undefined), /AccessDeniedException/);
    await assert.rejects(first.repository({ registry: host, name: 'b' }, undefined), /AccessDeniedException/);
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 1);
    await access(routing(host)).registries.repository({ registry: host, name: 'a' }, undefined);
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 2);
  });
});
