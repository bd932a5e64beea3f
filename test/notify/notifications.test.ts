// Notifications end to end: cycles against the real registry and the API double publish to an
// EventBridge bus on moto_server; a rule on the bus forwards the events to an SQS queue, read back
// with the AWS CLI, so what is asserted is what a subscriber of the bus receives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../lib/model';
import { FAILING_SINCE_ANNOTATION } from '../../lib/notify/failures';
import { kustomizeApp } from '../support/applications';
import { awsCli, drainQueue, MOTO_CREDENTIALS, startMoto, type AwsCli, type Moto } from '../support/aws/moto';
import { cycle, pushTags, seed, startFixture, type Fixture } from '../cycle/fixture';

const REGION = 'eu-west-1';
const BUS = 'deployments';

let fixture: Fixture;
let moto: Moto;
let queueUrl: string;
let host: string;

let aws: AwsCli;

interface ReceivedEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown> & { images: Record<string, string>[] };
}

/** Every event forwarded to the queue since the last call. */
function received(): Promise<ReceivedEvent[]> {
  return drainQueue<ReceivedEvent>(aws, queueUrl);
}

before(async () => {
  [fixture, moto] = await Promise.all([startFixture(), startMoto()]);
  aws = awsCli(moto, REGION);
  host = fixture.registry.host;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  await aws('events', 'create-event-bus', '--name', BUS);
  queueUrl = await aws('sqs', 'create-queue', '--queue-name', 'notifications');
  const queueArn = await aws('sqs', 'get-queue-attributes', '--queue-url', queueUrl, '--attribute-names', 'QueueArn', '--query', 'Attributes.QueueArn');
  await aws('events', 'put-rule', '--name', 'to-queue', '--event-bus-name', BUS, '--event-pattern', '{"source":["image-updater"]}');
  await aws('events', 'put-targets', '--rule', 'to-queue', '--event-bus-name', BUS, '--targets', `Id=queue,Arn=${queueArn}`);
});

after(async () => {
  await Promise.all([fixture?.stop(), moto?.stop()]);
});

function web(namespace: string, repository: string, settings: Record<string, string> = {}): Application {
  const app = kustomizeApp({
    name: 'web',
    namespace,
    settings: { 'image-list': `app=${host}/${repository}`, ...settings },
    liveImages: [`${host}/${repository}:1.0.0`],
  });
  app.status = { ...app.status, sync: { status: 'Synced' }, health: { status: 'Healthy' } };
  return app;
}

describe('notifications on an EventBridge bus', () => {
  test('an update and its revert arrive as documented events; a dry run sends none', async () => {
    const ns = 'notify-update';
    await pushTags(fixture.registry, 'notify/web', ['1.0.0', '1.1.0']);
    seed(fixture, [web(ns, 'notify/web', { 'revert-window': '10m' })]);

    await cycle(fixture, ns, { eventBus: BUS, dryRun: 'true' });
    assert.deepEqual(await received(), [], 'a dry run publishes nothing');

    const run = await cycle(fixture, ns, { eventBus: BUS });
    assert.equal(run.summary.imagesUpdated, 1);
    const [updated, ...rest] = await received();
    assert.equal(rest.length, 0);
    assert.equal(updated?.source, 'image-updater');
    assert.equal(updated?.['detail-type'], 'Images Updated');
    const { at, ...detail } = updated?.detail ?? {};
    assert.ok(typeof at === 'string' && !Number.isNaN(Date.parse(at)));
    assert.deepEqual(detail, {
      version: '1',
      kind: 'ImagesUpdated',
      cluster: fixture.kubeConfig.getCurrentContext(),
      application: { namespace: ns, name: 'web' },
      images: [{ alias: 'app', from: '1.0.0', to: '1.1.0', image: `${host}/notify/web` }],
    });

    fixture.kube.reconcile(ns, 'web', { health: 'Degraded' });
    await cycle(fixture, ns, { eventBus: BUS });
    const [reverted] = await received();
    assert.equal(reverted?.['detail-type'], 'Images Reverted');
    assert.equal(reverted?.detail.reason, 'it turned Degraded running the new version');
    assert.deepEqual(reverted?.detail.held, ['app=1.1.0']);
    assert.deepEqual(reverted?.detail.images, [{ alias: 'app', from: '1.1.0', to: '1.0.0', image: `${host}/notify/web` }]);
  });

  test('a manual rollback arrives as Images Held', async () => {
    const ns = 'notify-held';
    await pushTags(fixture.registry, 'notify/held', ['1.0.0', '1.1.0']);
    seed(fixture, [web(ns, 'notify/held')]);
    await cycle(fixture, ns, { eventBus: BUS });
    await received();
    const current = fixture.kube.application(ns, 'web');
    assert.ok(current?.spec.source);
    fixture.kube.setApplication({ ...current, spec: { ...current.spec, source: { ...current.spec.source, kustomize: { images: [`${host}/notify/held:1.0.0`] } } } });
    fixture.kube.reconcile(ns, 'web', { health: 'Healthy' });
    await cycle(fixture, ns, { eventBus: BUS });
    const events = await received();
    assert.deepEqual(events.map((event) => event['detail-type']), ['Images Held']);
    assert.deepEqual(events[0]?.detail.held, ['app=1.1.0']);
  });

  test('an application failing for 15 minutes is notified once; its streak ends with a run without error', async () => {
    const ns = 'notify-failing';
    seed(fixture, [web(ns, 'notify/missing')]);
    const first = await cycle(fixture, ns, { eventBus: BUS });
    assert.equal(first.summary.errors, 1);
    const since = fixture.kube.application(ns, 'web')?.metadata.annotations?.[FAILING_SINCE_ANNOTATION];
    assert.ok(since && !Number.isNaN(Date.parse(since)), `failing-since recorded, got ${since}`);
    assert.deepEqual(await received(), [], 'one failed run is not a persistent failure');

    // Sixteen minutes of failed runs later:
    const current = fixture.kube.application(ns, 'web');
    assert.ok(current);
    const longAgo = new Date(Date.now() - 16 * 60_000).toISOString();
    fixture.kube.setApplication({ ...current, metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, [FAILING_SINCE_ANNOTATION]: longAgo } } });
    await cycle(fixture, ns, { eventBus: BUS });
    const [failing, ...others] = await received();
    assert.equal(others.length, 0);
    assert.equal(failing?.['detail-type'], 'Application Failing');
    assert.equal(failing?.detail.failingSince, longAgo);
    assert.match(String(failing?.detail.reason), /notify\/missing/);
    await cycle(fixture, ns, { eventBus: BUS });
    assert.deepEqual(await received(), [], 'notified once per streak');

    await pushTags(fixture.registry, 'notify/missing', ['1.0.0']);
    const fixed = await cycle(fixture, ns, { eventBus: BUS });
    assert.equal(fixed.summary.errors, 0);
    assert.equal(fixture.kube.application(ns, 'web')?.metadata.annotations?.[FAILING_SINCE_ANNOTATION], undefined, 'the streak is over');
  });

  test('a bus that refuses the events costs a warning, not the run', async () => {
    const ns = 'notify-nobus';
    await pushTags(fixture.registry, 'notify/nobus', ['1.0.0', '1.1.0']);
    seed(fixture, [web(ns, 'notify/nobus')]);
    const run = await cycle(fixture, ns, { eventBus: 'no-such-bus' });
    assert.equal(run.summary.imagesUpdated, 1);
    assert.equal(run.summary.errors, 0);
    const warning = run.log.lines.find((line) => line.level === 'warn');
    assert.match(warning?.message ?? '', /notification\(s\) (refused by|to) event bus no-such-bus/);
  });
});
