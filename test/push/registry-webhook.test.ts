// Registry webhooks end to end: the webhook function, invoked as its Function URL invokes it, reads
// its secrets from Secrets Manager on moto_server and hands each verified push to EventBridge
// there; a rule on the default bus forwards the events to an SQS queue, read back with the AWS CLI,
// so what is asserted is what the update function's rule receives. The update function, given that
// event, runs just the applications tracking the pushed repository against the real registry and
// the Kubernetes API double.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { createWebhookHandler } from '../../functions/registry-webhook';
import { createHandler, type ClusterOutcome } from '../../functions/update-images';
import type { CycleSummary } from '../../lib/model';
import { githubSignature } from '../../lib/webhook/authenticate';
import { MAX_BODY_BYTES } from '../../lib/webhook/request';
import { kustomizeApp } from '../support/applications';
import { awsCli, drainQueue, MOTO_CREDENTIALS, startMoto, type AwsCli, type Moto } from '../support/aws/moto';
import { startKubeApi, type KubeApiDouble } from '../support/kube-api';
import { capturingOutput, lambdaContext } from '../support/lambda';
import { pushImage, registriesConfFor, startRegistry, type RunningRegistry } from '../support/registry';

const REGION = 'eu-west-1';
const SECRET_ID = 'image-updater/webhooks';
const SECRETS = {
  dockerhub: 'dockerhub-url-token-0001',
  ghcr: 'ghcr-signing-secret-0001',
  harbor: 'Basic aGFyYm9yOndlYmhvb2stc2VjcmV0',
  quay: 'quay-url-token-000000001',
};
/** A secret configuring Harbor only. */
const HARBOR_ONLY_SECRET_ID = 'image-updater/harbor-only';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/webhooks', name), 'utf8');

let moto: Moto;
let queueUrl: string;

let aws: AwsCli;

interface ReceivedEvent {
  source: string;
  'detail-type': string;
  detail: { version: string; provider: string; pushed: Record<string, string> };
}

/** Every event the rule forwarded since the last call. */
function received(): Promise<ReceivedEvent[]> {
  return drainQueue<ReceivedEvent>(aws, queueUrl);
}

/** A call as a Lambda Function URL delivers it (payload format 2.0). */
function urlEvent(
  path: string,
  body: string,
  options: { headers?: Record<string, string>; query?: Record<string, string>; base64?: boolean; method?: string } = {},
): LambdaFunctionURLEvent {
  const query = options.query ?? {};
  const encoded = options.base64 ? Buffer.from(body).toString('base64') : body;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { 'content-type': 'application/json', 'user-agent': 'registry-webhook-test', ...options.headers },
    ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abcdefghijklmnopqrstuvwxyz',
      domainName: 'abcdefghijklmnopqrstuvwxyz.lambda-url.eu-west-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz',
      http: { method: options.method ?? 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'registry-webhook-test' },
      requestId: `request-${Math.random().toString(16).slice(2)}`,
      routeKey: '$default',
      stage: '$default',
      time: '01/Dec/2026:12:00:00 +0000',
      timeEpoch: Date.UTC(2026, 11, 1, 12),
    },
    body: encoded,
    isBase64Encoded: options.base64 ?? false,
  };
}

/** Each provider's documented push, authenticated as that provider does it. */
const authenticCalls = (): Record<keyof typeof SECRETS, LambdaFunctionURLEvent> => {
  const github = fixture('ghcr-registry-package-published.json');
  return {
    dockerhub: urlEvent('/dockerhub', fixture('dockerhub-push.json'), { query: { token: SECRETS.dockerhub } }),
    ghcr: urlEvent('/ghcr', github, { headers: { 'x-github-event': 'registry_package', 'x-hub-signature-256': githubSignature(Buffer.from(github), SECRETS.ghcr) } }),
    harbor: urlEvent('/harbor', fixture('harbor-push-artifact-cloudevents.json'), { headers: { authorization: SECRETS.harbor } }),
    quay: urlEvent('/quay/', fixture('quay-repository-push.json'), { query: { token: SECRETS.quay } }),
  };
};

async function call(handler: ReturnType<typeof createWebhookHandler>, event: LambdaFunctionURLEvent) {
  const { result, lines, text } = await capturingOutput(() => handler(event, lambdaContext(10_000)));
  return { status: (result as Exclude<LambdaFunctionURLResult, string>).statusCode, lines, text };
}

/** `null`: the function deployed without the secret setting. */
const webhook = (secretId: string | null = SECRET_ID) =>
  createWebhookHandler({ env: { IMAGE_UPDATER_LOG_LEVEL: 'INFO', ...(secretId && { IMAGE_UPDATER_WEBHOOK_SECRET: secretId }) } });

before(async () => {
  moto = await startMoto();
  aws = awsCli(moto, REGION);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_EVENTBRIDGE: moto.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  });
  await aws('secretsmanager', 'create-secret', '--name', SECRET_ID, '--secret-string', JSON.stringify(SECRETS));
  await aws('secretsmanager', 'create-secret', '--name', HARBOR_ONLY_SECRET_ID, '--secret-string', JSON.stringify({ harbor: SECRETS.harbor, quay: 'short' }));
  queueUrl = await aws('sqs', 'create-queue', '--queue-name', 'registry-pushes');
  const queueArn = await aws('sqs', 'get-queue-attributes', '--queue-url', queueUrl, '--attribute-names', 'QueueArn', '--query', 'Attributes.QueueArn');
  // The rule infra/stack.cjs gives the update function, on the default bus.
  await aws('events', 'put-rule', '--name', 'registry-push', '--event-pattern', '{"source":["image-updater.registry-push"],"detail-type":["Registry Push"]}');
  await aws('events', 'put-targets', '--rule', 'registry-push', '--targets', `Id=queue,Arn=${queueArn}`);
});

after(async () => {
  await moto?.stop();
});

describe('registry webhooks', { timeout: 120_000 }, () => {
  it("hands each provider's verified push to EventBridge as one Registry Push event, and answers 202", async () => {
    const handler = webhook();
    for (const [provider, event] of Object.entries(authenticCalls())) {
      const { status } = await call(handler, event);
      assert.equal(status, 202, provider);
    }
    const events = await received();
    assert.ok(events.every((event) => event.source === 'image-updater.registry-push' && event['detail-type'] === 'Registry Push'));
    assert.deepEqual(
      events.map((event) => event.detail).sort((a, b) => a.provider.localeCompare(b.provider)),
      [
        { version: '1', provider: 'dockerhub', pushed: { registry: 'docker.io', repository: 'svendowideit/testhook', tag: 'latest' } },
        {
          version: '1',
          provider: 'ghcr',
          pushed: { registry: 'ghcr.io', repository: 'octo-org/hello_docker', tag: '1.4.0', digest: 'sha256:52ee6d53e5fd6a7c3e3a1d8b4b9b6d1e8a47f4b8b4cc5a5e52a4ad9f5b0e7c31' },
        },
        {
          version: '1',
          provider: 'harbor',
          pushed: { registry: 'localhost', repository: 'harbor/alpine', tag: 'v1.2.0', digest: 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4' },
        },
        { version: '1', provider: 'quay', pushed: { registry: 'quay.io', repository: 'dgangaia/test', tag: 'latest' } },
      ],
    );
  });

  it('refuses unsigned, wrongly signed, token-less and wrong-token calls with 401, publishes nothing, logs the provider and reason but no secret', async () => {
    const handler = webhook();
    const good = authenticCalls();
    const github = fixture('ghcr-registry-package-published.json');
    const refused: [LambdaFunctionURLEvent, string][] = [
      [urlEvent('/ghcr', github, { headers: { 'x-github-event': 'registry_package' } }), 'no X-Hub-Signature-256 header'],
      [urlEvent('/ghcr', github, { headers: { 'x-github-event': 'registry_package', 'x-hub-signature-256': githubSignature(Buffer.from(github), 'not-the-secret-000') } }), 'wrong signature'],
      // Signed by GitHub, then altered on the way.
      [{ ...good.ghcr, body: github.replace('1.4.0', '6.6.6') }, 'wrong signature'],
      [urlEvent('/harbor', fixture('harbor-push-artifact.json')), 'no Authorization header'],
      [urlEvent('/harbor', fixture('harbor-push-artifact.json'), { headers: { authorization: 'Basic bm90LXRoZS1zZWNyZXQ=' } }), 'wrong Authorization header'],
      [urlEvent('/dockerhub', fixture('dockerhub-push.json')), 'no token in the URL'],
      [urlEvent('/quay', fixture('quay-repository-push.json'), { query: { token: SECRETS.dockerhub } }), 'wrong token'],
    ];
    for (const [event, reason] of refused) {
      const { status, lines, text } = await call(handler, event);
      assert.equal(status, 401, reason);
      const line = lines.find((entry) => entry.level === 'WARN');
      assert.equal(line?.reason, reason);
      assert.match(String(line?.message), new RegExp(`^webhook ${event.rawPath.split('/')[1]} refused: `));
      for (const secret of Object.values(SECRETS)) assert.ok(!text.includes(secret), 'no secret in the log');
    }
    assert.deepEqual(await received(), [], 'nothing published');
  });

  it('refuses every call for a provider without a usable secret, and every call without the secret setting', async () => {
    const { dockerhub, quay, harbor } = authenticCalls();
    const partial = webhook(HARBOR_ONLY_SECRET_ID);
    const first = await call(partial, dockerhub);
    assert.equal(first.status, 401);
    assert.ok(first.lines.some((line) => line.reason === 'no secret is configured for this provider'));
    // `quay` is configured but too short to be a secret: refused, and said so once when read.
    assert.equal((await call(partial, urlEvent('/quay', fixture('quay-repository-push.json'), { query: { token: 'short' } }))).status, 401);
    assert.equal((await call(partial, quay)).status, 401);
    assert.equal((await call(partial, harbor)).status, 202);
    const unconfigured = webhook(null);
    assert.equal((await call(unconfigured, harbor)).status, 401);
    assert.equal((await received()).length, 1, 'only the Harbor push');
  });

  it('takes the base64 form of a Function URL body, verifying the bytes as sent', async () => {
    const github = fixture('ghcr-package-published.json');
    const event = urlEvent('/ghcr', github, { base64: true, headers: { 'x-github-event': 'package', 'x-hub-signature-256': githubSignature(Buffer.from(github), SECRETS.ghcr) } });
    assert.equal((await call(webhook(), event)).status, 202);
    const [pushed, ...rest] = await received();
    assert.equal(rest.length, 0);
    assert.deepEqual(pushed?.detail.pushed, { registry: 'ghcr.io', repository: 'octo-org/hello_docker', tag: '1.5.0', digest: 'sha256:52ee6d53e5fd6a7c3e3a1d8b4b9b6d1e8a47f4b8b4cc5a5e52a4ad9f5b0e7c31' });
  });

  it('refuses an oversized body with 413 before anything else, in either form', async () => {
    const handler = webhook();
    const huge = JSON.stringify({ push_data: { tag: '1.0.0' }, repository: { repo_name: 'team/web', full_description: 'x'.repeat(MAX_BODY_BYTES) } });
    for (const base64 of [false, true]) {
      const { status } = await call(handler, urlEvent('/dockerhub', huge, { base64, query: { token: SECRETS.dockerhub } }));
      assert.equal(status, 413);
    }
    assert.deepEqual(await received(), []);
  });

  it('answers a verified ping 200 and a verified unreadable payload 400, publishing neither; unknown paths 404, other methods 405', async () => {
    const handler = webhook();
    const ping = fixture('ghcr-ping.json');
    const signed = (body: string, event: string) => ({ 'x-github-event': event, 'x-hub-signature-256': githubSignature(Buffer.from(body), SECRETS.ghcr) });
    assert.equal((await call(handler, urlEvent('/ghcr', ping, { headers: signed(ping, 'ping') }))).status, 200);
    assert.equal((await call(handler, urlEvent('/ghcr', '{"action":"published"}', { headers: signed('{"action":"published"}', 'package') }))).status, 400);
    assert.equal((await call(handler, urlEvent('/quay', '{"docker_url": 7}', { query: { token: SECRETS.quay } }))).status, 400);
    // Unverified, an unreadable payload is just refused: nothing is read before the secret is checked.
    assert.equal((await call(handler, urlEvent('/quay', 'not json'))).status, 401);
    assert.equal((await call(handler, urlEvent('/gitlab', '{}'))).status, 404);
    assert.equal((await call(handler, urlEvent('/quay', '', { method: 'GET', query: { token: SECRETS.quay } }))).status, 405);
    assert.deepEqual(await received(), []);
  });
});

function summaryOf(outcome: ClusterOutcome | undefined): CycleSummary {
  assert.ok(outcome && 'summary' in outcome, `a cycle summary, got ${JSON.stringify(outcome)}`);
  return outcome.summary;
}

describe('a webhook push runs the update function for the applications tracking the repository', { timeout: 120_000 }, () => {
  let kube: KubeApiDouble;
  let registry: RunningRegistry;
  const images = (name: string) => kube.application('apps', name)?.spec.source?.kustomize?.images;

  before(async () => {
    [registry, kube] = await Promise.all([startRegistry(), startKubeApi({ tls: true })]);
    for (const [index, tag] of ['1.0.0', '1.1.0', '1.2.0'].entries()) {
      await pushImage(registry, 'team/web', tag, { created: new Date(Date.UTC(2026, 0, 1, 0, index)) });
      await pushImage(registry, 'team/api', tag, { created: new Date(Date.UTC(2026, 0, 1, 0, index)) });
    }
  });
  after(async () => {
    await Promise.all([kube?.stop(), registry?.stop()]);
  });

  const seed = () => {
    const app = (name: string, image: string, settings: Record<string, string> = {}) =>
      kustomizeApp({ name, namespace: 'apps', settings: { 'image-list': `app=${image}:~1.1`, ...settings }, liveImages: [`${image}:1.0.0`] });
    for (const application of [
      // Checked once an hour by the schedule; the push is reason enough to look now.
      app('web', `${registry.host}/team/web`, { interval: '1h' }),
      app('web-canary', `${registry.host}/team/web`),
      app('api', `${registry.host}/team/api`),
    ]) {
      kube.setApplication(application);
    }
  };

  /** Harbor's documented push, for `tag` of team/web on the test registry. */
  const harborPush = (tag: string) => {
    const payload = JSON.parse(fixture('harbor-push-artifact.json')) as { event_data: { resources: Record<string, string>[]; repository: Record<string, string> } };
    payload.event_data.resources = [{ digest: `sha256:${'5'.repeat(64)}`, tag, resource_url: `${registry.host}/team/web:${tag}` }];
    payload.event_data.repository.repo_full_name = 'team/web';
    return urlEvent('/harbor', JSON.stringify(payload), { headers: { authorization: SECRETS.harbor } });
  };

  const updater = () =>
    createHandler({
      env: {
        KUBECONFIG: kube.kubeconfigPath(),
        IMAGE_UPDATER_LOG_LEVEL: 'INFO',
        IMAGE_UPDATER_SCHEDULE_MINUTES: '1',
        IMAGE_UPDATER_REGISTRIES_CONF: registriesConfFor([registry]),
      },
    });

  it('updates only the applications tracking the pushed repository, whatever their interval', async () => {
    seed();
    assert.equal((await call(webhook(), harborPush('1.1.0'))).status, 202);
    const [event, ...rest] = await received();
    assert.equal(rest.length, 0);
    const { result, lines } = await capturingOutput(() => updater()(event, lambdaContext(50_000)));
    const summary = summaryOf(result.clusters[0]);
    assert.equal(summary.errors, 0, JSON.stringify(lines.filter((line) => line.level === 'ERROR')));
    assert.equal(summary.applications, 2);
    assert.deepEqual(images('web'), [`${registry.host}/team/web:1.1.0`]);
    assert.deepEqual(images('web-canary'), [`${registry.host}/team/web:1.1.0`]);
    assert.equal(images('api'), undefined, 'another repository is not looked at');
    assert.ok(lines.some((line) => String(line.message).startsWith(`push of ${registry.host}/team/web:1.1.0: 2 application(s) track it`)));
  });

  it('two concurrent pushes to one repository arrive as two events and two runs, both ending cleanly', async () => {
    seed();
    await pushImage(registry, 'team/web', '1.1.1', { created: new Date(Date.UTC(2026, 0, 1, 1)) });
    const handler = webhook();
    const answers = await Promise.all([call(handler, harborPush('1.1.0')), call(handler, harborPush('1.1.1'))]);
    assert.deepEqual(answers.map((answer) => answer.status), [202, 202]);
    const events = await received();
    assert.deepEqual(events.map((event) => event.detail.pushed.tag).sort(), ['1.1.0', '1.1.1']);
    const invoke = updater();
    const { result } = await capturingOutput(() => Promise.all(events.map((event) => invoke(event, lambdaContext(50_000)))));
    const summaries = result.map((run) => summaryOf(run.clusters[0]));
    assert.deepEqual(summaries.map((summary) => summary.errors), [0, 0]);
    // Whichever run comes first, both resolve against the registry: the apps end on the newest tag.
    assert.deepEqual(images('web'), [`${registry.host}/team/web:1.1.1`]);
    assert.deepEqual(images('web-canary'), [`${registry.host}/team/web:1.1.1`]);
    assert.equal(images('api'), undefined);
  });

  it('refuses a Registry Push event that is not what the webhook sends', async () => {
    const event = { source: 'image-updater.registry-push', 'detail-type': 'Registry Push', detail: { version: '1', provider: 'harbor', pushed: { registry: 'evil host', repository: 'team/web' } } };
    await assert.rejects(capturingOutput(() => updater()(event, lambdaContext(50_000))), /invalid registry push event: detail\.pushed\.registry/);
    const extra = { ...event, detail: { ...event.detail, pushed: { registry: registry.host, repository: 'team/web' }, command: 'rm -rf /' } };
    await assert.rejects(capturingOutput(() => updater()(extra, lambdaContext(50_000))), /invalid registry push event: detail/);
  });
});
