// One hung cluster never costs the others: an API server that accepts the connection and never
// answers, and a DescribeCluster that never returns, next to a healthy cluster that is updated in
// the same run. Each failing cluster is named once in the log and counted in its EMF `Errors`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createHandler } from '../../functions/update-images';
import { FLUSH_MARGIN_MS, START_MARGIN_MS } from '../../lib/deadline';
import { kustomizeApp } from '../support/applications';
import { verifyEksToken } from '../support/aws/eks-token-verifier';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { capturingOutput, lambdaContext, metricRecords, scheduledEvent } from '../support/lambda';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';
import { startSilentServer, type TestServer } from '../support/unresponsive';

const CREDENTIALS = { accessKeyId: 'AKIAISOLATIONTEST001', secretAccessKey: 'isolation-test-secret-key' };
const REPOSITORY = 'team/web';

describe('update-images handler with hung clusters', { timeout: 60_000 }, () => {
  let registry: RunningRegistry;
  let kube: KubeApiDouble;
  let second: KubeApiDouble;
  let silent: TestServer;
  let eks: AwsClientStub<EKSClient>;
  let image: string;

  before(async () => {
    registry = await startRegistry();
    for (const tag of ['1.0.0', '1.0.1']) await pushImage(registry, REPOSITORY, tag);
    image = `${registry.host}/${REPOSITORY}`;
    const secrets = (accessKeyId: string) => (accessKeyId === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined);
    kube = await startKubeApi({
      tls: true,
      tokens: (token) => verifyEksToken(token, { clusterName: 'healthy', credentials: secrets, now: new Date() }),
      applications: [kustomizeApp({ name: 'web', settings: { 'image-list': `app=${image}` }, liveImages: [`${image}:1.0.0`] })],
    });
    second = await startKubeApi({
      tls: true,
      tokens: (token) => verifyEksToken(token, { clusterName: 'second', credentials: secrets, now: new Date() }),
      applications: ['a', 'b'].map((name) => kustomizeApp({ name, settings: { 'image-list': `app=${image}` }, liveImages: [`${image}:1.0.1`] })),
    });
    silent = await startSilentServer();
    const ca = { data: Buffer.from(kube.caPem ?? '').toString('base64') };
    eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand, { name: 'healthy' }).resolves({ cluster: { name: 'healthy', endpoint: kube.url, certificateAuthority: ca } });
    eks.on(DescribeClusterCommand, { name: 'second' }).resolves({
      cluster: { name: 'second', endpoint: second.url, certificateAuthority: { data: Buffer.from(second.caPem ?? '').toString('base64') } },
    });
    eks.on(DescribeClusterCommand, { name: 'stalled-api' }).resolves({
      cluster: { name: 'stalled-api', endpoint: `https://${silent.host}`, certificateAuthority: ca },
    });
    eks.on(DescribeClusterCommand, { name: 'stalled-eks' }).callsFake(() => new Promise(() => undefined));
  });
  after(async () => {
    eks?.restore();
    await Promise.all([registry?.stop(), kube?.stop(), second?.stop(), silent?.stop()]);
  });

  it('updates the healthy cluster and names each hung one once, within the run', async () => {
    const handler = createHandler({
      env: { IMAGE_UPDATER_CLUSTERS: 'stalled-eks,stalled-api,healthy', AWS_REGION: 'eu-west-1', IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]) },
      connection: { credentials: CREDENTIALS },
    });
    const remainingMs = START_MARGIN_MS + 2_000;
    const started = Date.now();
    const { result, lines } = await capturingOutput(() => handler(scheduledEvent(), lambdaContext(remainingMs)));
    const elapsed = Date.now() - started;

    assert.ok(elapsed < remainingMs - FLUSH_MARGIN_MS + 1_000, `the run ended ${elapsed} ms after it began, before the Lambda timeout`);
    assert.deepEqual(kube.application('argocd', 'web')?.spec.source?.kustomize?.images, [`${image}:1.0.1`]);
    assert.deepEqual(result.clusters.map((outcome) => outcome.cluster), ['stalled-eks', 'stalled-api', 'healthy']);
    const [stalledEks, stalledApi, healthy] = result.clusters;
    assert.ok(healthy && 'summary' in healthy && healthy.summary.imagesUpdated === 1, JSON.stringify(healthy));
    assert.ok(stalledEks && 'error' in stalledEks);
    assert.match(stalledEks.error, /^cluster stalled-eks in eu-west-1: DescribeCluster: no answer within \d+ s/);
    assert.ok(stalledApi && 'error' in stalledApi);
    assert.match(stalledApi.error, /cannot list Argo CD applications on https:\/\/127\.0\.0\.1:\d+: list applications: no answer within \d+ s/);

    for (const cluster of ['stalled-eks', 'stalled-api']) {
      const errors = lines.filter((line) => line.level === 'ERROR' && line.cluster === cluster);
      assert.equal(errors.length, 1, `${cluster} is named once`);
      const metrics = metricRecords(lines).filter((line) => line.cluster === cluster);
      assert.deepEqual(metrics.map((line) => line.Errors), [1], `${cluster} counts one error`);
    }
    const healthyMetrics = metricRecords(lines).filter((line) => line.cluster === 'healthy');
    assert.deepEqual(healthyMetrics.map((line) => [line.ImagesUpdated, line.Errors]), [[1, 0]]);
  });

  it('asks the registry once for a tag list that applications in two clusters track', async () => {
    const handler = createHandler({
      env: { IMAGE_UPDATER_CLUSTERS: 'healthy,second', AWS_REGION: 'eu-west-1', IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]) },
      connection: { credentials: CREDENTIALS } });
    const { result } = await capturingOutput(() => handler(scheduledEvent(), lambdaContext(30_000)));
    const summaries = result.clusters.map((outcome) => {
      assert.ok('summary' in outcome, JSON.stringify(outcome));
      return outcome.summary;
    });
    assert.deepEqual(summaries.map((summary) => summary.imagesConsidered), [1, 2], 'both clusters resolved their images');
    const requests = summaries.map((summary) => summary.registryRequests);
    // ping and one tag list in all: whichever cluster asked first made them, the other none.
    assert.deepEqual([...requests].sort(), [0, 2], `registry requests by cluster: ${requests.join(', ')}`);
  });
});
