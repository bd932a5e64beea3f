// The Lambda handler end to end: EKS DescribeCluster (mocked) points at the Kubernetes API double
// over TLS, which accepts only EKS tokens the verifier passes; a real docker-registry serves tags.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { createHandler, type ClusterOutcome, type HandlerDependencies } from '../../functions/update-images';
import { START_MARGIN_MS } from '../../lib/deadline';
import type { CycleSummary } from '../../lib/model';
import { kustomizeApp } from '../support/applications';
import { verifyEksToken } from '../support/aws/eks-token-verifier';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { capturingOutput, lambdaContext, scheduledEvent } from '../support/lambda';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

const CREDENTIALS = { accessKeyId: 'AKIAHANDLERTEST00001', secretAccessKey: 'handler-test-secret-key' };
const REPOSITORY = 'nginxinc/nginx-unprivileged';
const TAGS = ['1.26.3', '1.27.0', '1.27.1', '1.27.4', '1.28.0'];

function summaryOf(outcome: ClusterOutcome | undefined): CycleSummary {
  assert.ok(outcome && 'summary' in outcome, `a cycle summary, got ${JSON.stringify(outcome)}`);
  return outcome.summary;
}

describe('update-images handler', { timeout: 120_000 }, () => {
  let registry: RunningRegistry;
  let kube: KubeApiDouble;
  let eks: AwsClientStub<EKSClient>;
  let image: string;
  const dependencies = (clusters: string): HandlerDependencies => ({
    // Read at the first invocation, once the registry runs.
    get env() {
      return {
        IMAGE_UPDATER_CLUSTERS: clusters,
        AWS_REGION: 'eu-west-1',
        IMAGE_UPDATER_LOG_LEVEL: 'INFO',
        IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]),
      };
    },
    connection: { credentials: CREDENTIALS },
  });
  const handler = createHandler(dependencies('prod'));
  const liveImage = () => kube.application('argocd', 'web')?.spec.source?.kustomize?.images;

  before(async () => {
    registry = await startRegistry();
    for (const [minute, tag] of TAGS.entries()) {
      await pushImage(registry, REPOSITORY, tag, { created: new Date(Date.UTC(2026, 0, 1, 0, minute)) });
    }
    image = `${registry.host}/${REPOSITORY}`;
    const secrets = (accessKeyId: string) => (accessKeyId === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined);
    kube = await startKubeApi({
      tls: true,
      tokens: (token) => verifyEksToken(token, { clusterName: 'prod', credentials: secrets, now: new Date() }),
      applications: [
        kustomizeApp({
          name: 'web',
          settings: {
            'image-list': `app=${image}`,
            'app.update-strategy': 'semver',
            'app.semver': '>=1.27.0 <1.28.0',
            'write-back-method': 'argocd',
          },
          liveImages: [`${image}:1.27.0`],
        }),
      ],
    });
    eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand, { name: 'prod' }).resolves({
      cluster: {
        name: 'prod',
        status: 'ACTIVE',
        endpoint: kube.url,
        certificateAuthority: { data: Buffer.from(kube.caPem ?? '').toString('base64') },
      },
    });
    // Another cluster's name, the same API server: its token names the wrong cluster.
    eks.on(DescribeClusterCommand, { name: 'impostor' }).resolves({
      cluster: { name: 'impostor', endpoint: kube.url, certificateAuthority: { data: Buffer.from(kube.caPem ?? '').toString('base64') } },
    });
    eks
      .on(DescribeClusterCommand, { name: 'broken' })
      .rejects(new ResourceNotFoundException({ message: 'No cluster found for name: broken.', $metadata: {} }));
  });
  after(async () => {
    eks?.restore();
    await Promise.all([registry?.stop(), kube?.stop()]);
  });

  it('ends cleanly when the Lambda context leaves no time to start an application, reporting it not reached', async () => {
    const { result } = await capturingOutput(() => handler(scheduledEvent(), lambdaContext(START_MARGIN_MS - 1_000)));
    assert.equal(result.clusters.length, 1);
    const summary = summaryOf(result.clusters[0]);
    assert.deepEqual(summary.notReached, ['argocd/web']);
    assert.equal(summary.imagesUpdated, 0);
    assert.equal(liveImage(), undefined, 'nothing written');
  });

  it('reports what it would do on a manual dry run, writing nothing', async () => {
    const { result, lines } = await capturingOutput(() => handler({ dryRun: true }, lambdaContext(50_000)));
    const summary = summaryOf(result.clusters[0]);
    assert.equal(summary.dryRun, true);
    assert.equal(summary.imagesUpdated, 1);
    assert.equal(liveImage(), undefined);
    const metrics = lines.find((line) => typeof line._aws === 'object');
    assert.equal(metrics?.ImagesWouldUpdate, 1, 'a dry run counts what it would update apart');
    assert.equal(metrics?.ImagesUpdated, undefined, 'and never as updated');
  });

  it('updates the application to the newest 1.27.x on a scheduled run, logging and publishing metrics', async () => {
    const { result, lines, text } = await capturingOutput(() => handler(scheduledEvent(), lambdaContext(50_000)));
    assert.deepEqual(result.clusters.map((outcome) => outcome.cluster), ['prod']);
    const summary = summaryOf(result.clusters[0]);
    assert.equal(summary.dryRun, false);
    assert.equal(summary.imagesUpdated, 1);
    assert.equal(summary.errors, 0);
    assert.deepEqual(summary.notReached, []);
    assert.deepEqual(liveImage(), [`${image}:1.27.4`]);

    const summaryLine = lines.find((line) => typeof line.message === 'string' && line.message.startsWith('Processing results:'));
    assert.equal(summaryLine?.cluster, 'prod', 'one summary line naming the cluster');
    assert.equal(summaryLine?.function_name, 'image-updater-test-updateImages', 'the Lambda context is in the logs');
    const metrics = lines.find((line) => typeof line._aws === 'object');
    assert.ok(metrics, 'an EMF record');
    assert.equal(metrics.cluster, 'prod');
    assert.equal(metrics.ImagesUpdated, 1);

    // The kubeconfig was built once and reused by the warm container; its token never reached a log.
    assert.equal(eks.commandCalls(DescribeClusterCommand, { name: 'prod' }).length, 1);
    assert.ok(kube.requests().length > 0, 'every request passed the EKS token check');
    assert.doesNotMatch(text, /k8s-aws-v1\./);
  });

  it('keeps going when one cluster cannot be reached', async () => {
    const twoClusters = createHandler(dependencies('broken,prod'));
    const { result, lines } = await capturingOutput(() => twoClusters(scheduledEvent(), lambdaContext(50_000)));
    assert.deepEqual(result.clusters.map((outcome) => outcome.cluster), ['broken', 'prod']);
    const [broken, prod] = result.clusters;
    assert.ok(broken && 'error' in broken);
    assert.match(broken.error, /^cluster broken in eu-west-1: DescribeCluster failed: No cluster found for name: broken\.$/);
    assert.equal(summaryOf(prod).errors, 0, 'prod ran its cycle: already up to date');
    assert.ok(lines.some((line) => line.level === 'ERROR' && line.cluster === 'broken'));
    const brokenMetrics = lines.find((line) => typeof line._aws === 'object' && line.cluster === 'broken');
    assert.equal(brokenMetrics?.Errors, 1, 'the errors alarm sees the unreachable cluster');
  });

  it("runs only its group's clusters on a cluster group's schedule", async () => {
    const grouped = createHandler(dependencies('broken,prod'));
    const { result, lines } = await capturingOutput(() => grouped({ ...scheduledEvent(), clusters: ['prod'] }, lambdaContext(50_000)));
    assert.deepEqual(result.clusters.map((outcome) => outcome.cluster), ['prod']);
    assert.ok(!lines.some((line) => line.message === 'manual run with overrides'), 'a scheduled run, not a manual one');
    await assert.rejects(grouped({ ...scheduledEvent(), clusters: 'prod' }, lambdaContext(50_000)), /invalid scheduled event: clusters must be a list of cluster names, got "prod"/);
    await assert.rejects(grouped({ ...scheduledEvent(), clusters: ['staging'] }, lambdaContext(50_000)), /clusters staging not configured \(configured: broken, prod\)/);
  });

  it('is refused by the API server with a token minted for another cluster', async () => {
    const impostor = createHandler(dependencies('impostor'));
    const { result } = await capturingOutput(() => impostor(scheduledEvent(), lambdaContext(50_000)));
    const [outcome] = result.clusters;
    assert.ok(outcome && 'error' in outcome, JSON.stringify(outcome));
    assert.match(outcome.error, /cannot list Argo CD applications on https:\/\/127\.0\.0\.1:\d+: HTTP 401/);
  });

  it('rejects a malformed manual event with a clear message', async () => {
    await assert.rejects(handler({ dryRun: 'yes' }, lambdaContext(50_000)), /invalid invocation event .*dryRun: Invalid input: expected boolean/);
    await assert.rejects(handler({ dryrun: true }, lambdaContext(50_000)), /Unrecognized key: "dryrun".*Expected a scheduled event or \{dryRun, clusters/);
    await assert.rejects(handler({ clusters: ['staging'] }, lambdaContext(50_000)), /clusters staging not configured \(configured: prod\)/);
  });
});

describe('update-images handler run locally', { timeout: 60_000 }, () => {
  it('uses KUBECONFIG when no EKS cluster is configured, and says what is missing when neither is', async () => {
    const registry = await startRegistry();
    const kube = await startKubeApi({ tls: true });
    try {
      const image = `${registry.host}/${REPOSITORY}`;
      for (const tag of TAGS) await pushImage(registry, REPOSITORY, tag);
      kube.setApplication(
        kustomizeApp({
          name: 'web',
          settings: { 'image-list': `app=${image}`, 'app.semver': '>=1.27.0 <1.28.0' },
          liveImages: [`${image}:1.27.0`],
        }),
      );
      const local = createHandler({
        env: { KUBECONFIG: kube.kubeconfigPath(), IMAGE_UPDATER_LOG_LEVEL: 'WARN', IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]) },
      });
      const { result } = await capturingOutput(() => local({}, lambdaContext(30_000)));
      assert.equal(summaryOf(result.clusters[0]).imagesUpdated, 1);
      assert.deepEqual(kube.application('argocd', 'web')?.spec.source?.kustomize?.images, [`${image}:1.27.4`]);

      const unconfigured = createHandler({ env: {} });
      await assert.rejects(() => unconfigured({}, lambdaContext(30_000)), /IMAGE_UPDATER_CLUSTERS="": not set/);
    } finally {
      await Promise.all([registry.stop(), kube.stop()]);
    }
  });
});
