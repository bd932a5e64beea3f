// The run's budget, seen from the handler: the soft deadline stops starting applications, those in
// flight finish or are cut at the hard deadline without counting as errors, and the rotating order
// reaches every application within a few runs when one run cannot do them all. Also what warm
// invocations log: cold_start only on the first, metrics on every one.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHandler, type ClusterOutcome } from '../../functions/update-images';
import { START_MARGIN_MS } from '../../lib/deadline';
import type { CycleSummary } from '../../lib/model';
import { kustomizeApp } from '../support/applications';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { capturingOutput, lambdaContext, metricRecords, scheduledEvent } from '../support/lambda';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';
import { startSilentServer, startSlowProxy } from '../support/unresponsive';

const REPOSITORY = 'team/app';
const MINUTE = 60_000;

function summaryOf(outcome: ClusterOutcome | undefined): CycleSummary {
  assert.ok(outcome && 'summary' in outcome, `a cycle summary, got ${JSON.stringify(outcome)}`);
  return outcome.summary;
}

describe('update-images handler and the run budget', { timeout: 120_000 }, () => {
  let registry: RunningRegistry;
  let kube: KubeApiDouble;
  let image: string;

  before(async () => {
    registry = await startRegistry();
    for (const tag of ['1.0.0', '1.0.1']) await pushImage(registry, REPOSITORY, tag);
    image = `${registry.host}/${REPOSITORY}`;
    kube = await startKubeApi({ tls: true });
  });
  after(async () => {
    await Promise.all([registry?.stop(), kube?.stop()]);
  });

  // Loopback registries are reachable only through the operator's registries.conf.
  const handlerFor = (namespace: string, registries: Parameters<typeof registriesConfFor>[0] = [registry]) =>
    createHandler({
      env: { KUBECONFIG: kube.kubeconfigPath(), IMAGE_UPDATER_APPLICATION_NAMESPACE: namespace, IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor(registries) },
    });
  const tagOf = (namespace: string, name: string) => kube.application(namespace, name)?.spec.source?.kustomize?.images?.[0]?.split(':').at(-1);

  it('reaches all of 30 applications in 3 runs when each run has room for 10', async () => {
    const names = Array.from({ length: 30 }, (_, index) => `app-${String(index).padStart(2, '0')}`);
    for (const name of names) {
      kube.setApplication(kustomizeApp({ name, namespace: 'rotation', settings: { 'image-list': `app=${image}` }, liveImages: [`${image}:1.0.0`] }));
    }
    const handler = handlerFor('rotation');
    // The runtime's clock as the budget sees it: every question about the remaining time is one
    // application started, and the soft deadline comes after the tenth.
    const roomForTen = () => {
      let questions = 0;
      return () => START_MARGIN_MS + 1_000 * (11 - ++questions) + 500;
    };
    const firstRun = new Date(Date.UTC(2026, 11, 1, 12, 0));
    const updatedAfter: number[] = [];
    for (let run = 0; run < 3; run++) {
      const { result } = await capturingOutput(() => handler(scheduledEvent(new Date(firstRun.getTime() + run * MINUTE)), lambdaContext(roomForTen())));
      const summary = summaryOf(result.clusters[0]);
      assert.equal(summary.imagesUpdated, 10, `run ${run + 1} updates 10`);
      assert.equal(summary.notReached.length, 20, `run ${run + 1} leaves 20 for later`);
      assert.equal(summary.errors, 0);
      updatedAfter.push(names.filter((name) => tagOf('rotation', name) === '1.0.1').length);
    }
    assert.deepEqual(updatedAfter, [10, 20, 30]);
  });

  it('lets applications in flight at the soft deadline finish, and leaves those cut at the hard deadline to the next run', async () => {
    const slow = await startSlowProxy(registry.url, 700);
    const silent = await startSilentServer();
    try {
      const slowImage = `${slow.host}/${REPOSITORY}`;
      const hungImage = `${silent.host}/${REPOSITORY}`;
      kube.setApplication(kustomizeApp({ name: 'slow', namespace: 'inflight', settings: { 'image-list': `app=${slowImage}` }, liveImages: [`${slowImage}:1.0.0`] }));
      kube.setApplication(kustomizeApp({ name: 'hung', namespace: 'inflight', settings: { 'image-list': `app=${hungImage}` }, liveImages: [`${hungImage}:1.0.0`] }));
      // Both start at once; the soft deadline comes 300 ms later, the hard one 2 s before the timeout.
      const { result, lines } = await capturingOutput(() => handlerFor('inflight', [slow, silent].map(({ host }) => ({ host, url: `http://${host}` })))(scheduledEvent(), lambdaContext(START_MARGIN_MS + 300)));
      const summary = summaryOf(result.clusters[0]);
      assert.equal(tagOf('inflight', 'slow'), '1.0.1', 'the slow application finished after the soft deadline');
      assert.equal(summary.imagesUpdated, 1);
      assert.deepEqual(summary.notReached, ['inflight/hung']);
      assert.equal(summary.errors, 0, 'an application cut by the deadline is not an error');
      assert.deepEqual(metricRecords(lines).map((line) => [line.Errors, line.ApplicationsNotReached]), [[0, 1]]);
      assert.ok(!lines.some((line) => line.level === 'ERROR'), 'no ERROR line');
    } finally {
      await Promise.all([slow.stop(), silent.stop()]);
    }
  });

  it('logs cold_start only on the first invocation of a container, and metrics on each', async () => {
    kube.setApplication(kustomizeApp({ name: 'web', namespace: 'warm', settings: { 'image-list': `app=${image}` }, liveImages: [`${image}:1.0.1`] }));
    // What the Lambda runtime sets in an on-demand execution environment; Powertools reads it.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    try {
      const handler = handlerFor('warm');
      const coldStarts: unknown[] = [];
      for (let run = 0; run < 3; run++) {
        const { lines } = await capturingOutput(() => handler(scheduledEvent(), lambdaContext(30_000)));
        const summaryLine = lines.find((line) => String(line.message).startsWith('Processing results:'));
        assert.equal(summaryLine?.cluster, kube.kubeConfig().getCurrentContext(), 'the summary names its cluster');
        coldStarts.push(summaryLine?.cold_start);
        assert.deepEqual(metricRecords(lines).map((line) => line.Applications), [1], `run ${run + 1} publishes its metrics`);
      }
      assert.deepEqual(coldStarts, [true, false, false]);
    } finally {
      delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    }
  });
});
