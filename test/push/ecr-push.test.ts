// Updates on push: the handler invoked with Amazon ECR's documented `ECR Image Action` event runs
// the cycle for just the applications tracking the pushed repository, whatever their `interval`.
// ECR's API is mocked (aws-sdk-client-mock); the Kubernetes API double serves the Applications.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DescribeImagesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler, type ClusterOutcome } from '../../functions/update-images';
import type { CycleSummary } from '../../lib/model';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { capturingOutput, lambdaContext } from '../support/lambda';
import { registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const DUAL_STACK_HOST = '123456789012.dkr-ecr.eu-west-1.on.aws';
const OTHER_ACCOUNT_HOST = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';

/** ECR's documented example event, for a push of `tag` to team/web. */
function pushEvent(tag: string, overrides: { action?: string; result?: string } = {}) {
  return {
    version: '0',
    id: '13cde686-328b-6117-af20-0e5566167482',
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: '123456789012',
    time: '2026-12-01T01:54:34Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      result: overrides.result ?? 'SUCCESS',
      'repository-name': 'team/web',
      'image-digest': `sha256:${'7'.repeat(64)}`,
      'action-type': overrides.action ?? 'PUSH',
      'image-tag': tag,
    },
  };
}

function summaryOf(outcome: ClusterOutcome | undefined): CycleSummary {
  assert.ok(outcome && 'summary' in outcome, `a cycle summary, got ${JSON.stringify(outcome)}`);
  return outcome.summary;
}

describe('updates on ECR push events', { timeout: 60_000 }, () => {
  const ecr = mockClient(ECRClient);
  let kube: KubeApiDouble;
  let registry: RunningRegistry;
  let tags: string[] = [];
  const images = (name: string) => kube.application('apps', name)?.spec.source?.kustomize?.images;

  before(async () => {
    registry = await startRegistry();
    kube = await startKubeApi({ tls: true });
  });
  after(async () => {
    ecr.restore();
    await Promise.all([kube?.stop(), registry?.stop()]);
  });

  beforeEach(() => {
    tags = ['1.0.0', '1.1.0'];
    ecr.reset();
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: Buffer.from('AWS:pw').toString('base64'), expiresAt: new Date(Date.now() + 3_600_000) }] });
    ecr.on(DescribeImagesCommand).callsFake(() => ({
      imageDetails: tags.map((tag, i) => ({ imageDigest: `sha256:${String(i + 1).padStart(64, '0')}`, imageTags: [tag], imagePushedAt: new Date(Date.UTC(2026, 0, 1, 0, i)) })),
    }));
    const app = (name: string, image: string, settings: Record<string, string> = {}) =>
      kustomizeApp({ name, namespace: 'apps', settings: { 'image-list': `app=${image}`, ...settings }, liveImages: [`${image}:1.0.0`] });
    for (const application of [
      // Checked once an hour by the schedule; a push is reason enough to look now.
      app('web', `${HOST}/team/web`, { interval: '1h' }),
      app('web-dual-stack', `${DUAL_STACK_HOST}/team/web`),
      app('other-repository', `${HOST}/team/other`),
      app('other-account', `${OTHER_ACCOUNT_HOST}/team/web`),
    ]) {
      kube.setApplication(application);
    }
  });

  const handler = () =>
    createHandler({
      env: {
        KUBECONFIG: kube.kubeconfigPath(),
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'AKIAPUSHTEST00000001',
        AWS_SECRET_ACCESS_KEY: 'push-test-secret',
        IMAGE_UPDATER_LOG_LEVEL: 'INFO',
        IMAGE_UPDATER_SCHEDULE_MINUTES: '1',
        // ECR hosts are routed to a local registry that is never asked: semver needs only the tags.
        IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]),
      },
    });

  it('updates only the applications tracking the pushed repository, at once, in any ECR host form', async () => {
    const { result, lines } = await capturingOutput(() => handler()(pushEvent('1.1.0'), lambdaContext(50_000)));
    const summary = summaryOf(result.clusters[0]);
    assert.equal(summary.errors, 0, JSON.stringify(lines.filter((line) => line.level === 'ERROR')));
    assert.equal(summary.applications, 2);
    assert.equal(summary.imagesUpdated, 2);
    assert.deepEqual(images('web'), [`${HOST}/team/web:1.1.0`]);
    assert.deepEqual(images('web-dual-stack'), [`${DUAL_STACK_HOST}/team/web:1.1.0`]);
    assert.equal(images('other-repository'), undefined, 'another repository is not looked at');
    assert.equal(images('other-account'), undefined, 'the same name in another account is not looked at');
    const described = ecr.commandCalls(DescribeImagesCommand).map((call) => `${call.args[0].input.registryId ?? ''}/${call.args[0].input.repositoryName ?? ''}`);
    assert.ok(described.every((name) => name.endsWith('/team/web')), `DescribeImages only for team/web, got ${described.join(', ')}`);
    assert.ok(lines.some((line) => String(line.message).startsWith(`push of ${HOST}/team/web:1.1.0: 2 application(s) track it`)));
  });

  it('two concurrent pushes to one repository arrive as two events: both runs end cleanly on the newest tag', async () => {
    tags = ['1.0.0', '1.1.0', '1.2.0'];
    const invoke = handler();
    const { result } = await capturingOutput(() =>
      Promise.all([invoke(pushEvent('1.1.0'), lambdaContext(50_000)), invoke(pushEvent('1.2.0'), lambdaContext(50_000))]),
    );
    const summaries = result.map((run) => summaryOf(run.clusters[0]));
    assert.deepEqual(summaries.map((summary) => summary.errors), [0, 0]);
    assert.deepEqual(images('web'), [`${HOST}/team/web:1.2.0`]);
    assert.deepEqual(images('web-dual-stack'), [`${DUAL_STACK_HOST}/team/web:1.2.0`]);
    const written = summaries.reduce((sum, summary) => sum + summary.imagesUpdated, 0);
    assert.ok(written >= 2 && written <= 4, `each app written once or twice, never lost: ${written}`);
  });

  it('a deletion or a failed push starts no run; a malformed ECR event is refused', async () => {
    for (const overrides of [{ action: 'DELETE' }, { result: 'FAILURE' }]) {
      const { result, lines } = await capturingOutput(() => handler()(pushEvent('1.1.0', overrides), lambdaContext(50_000)));
      assert.deepEqual(result.clusters, []);
      assert.match(String(lines.at(-1)?.message), /only successful pushes start a run/);
    }
    assert.equal(images('web'), undefined);
    const malformed = { ...pushEvent('1.1.0'), account: 'not-an-account' };
    await assert.rejects(capturingOutput(() => handler()(malformed, lambdaContext(50_000))), /invalid ECR event: account/);
  });
});
