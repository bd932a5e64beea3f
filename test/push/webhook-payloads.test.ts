// Registry webhooks without servers: each provider's documented example payload read into one
// normalised push, each provider's proof of origin checked, and the applications a push concerns
// chosen by registry host and repository (Docker Hub's implicit forms and ECR's host forms included).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { appsTrackingPush, type PushedRepository } from '../../lib/push/pushed-repository';
import { githubSignature, refusal, sameSecret } from '../../lib/webhook/authenticate';
import { readPayload, UnreadablePayload } from '../../lib/webhook/payloads';
import type { WebhookRequest } from '../../lib/webhook/request';
import { kustomizeApp } from '../support/applications';

const FIXTURES = join(import.meta.dirname, '../fixtures/webhooks');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

describe('registry webhook payloads', () => {
  it("reads Docker Hub's example push as docker.io/<repo_name> with its tag", () => {
    assert.deepEqual(readPayload('dockerhub', fixture('dockerhub-push.json')), {
      kind: 'push',
      pushed: { registry: 'docker.io', repository: 'svendowideit/testhook', tag: 'latest' },
    });
  });

  it('reads GitHub registry_package and package events of a published container version, in lower case', () => {
    assert.deepEqual(readPayload('ghcr', fixture('ghcr-registry-package-published.json'), 'registry_package'), {
      kind: 'push',
      pushed: {
        registry: 'ghcr.io',
        repository: 'octo-org/hello_docker',
        tag: '1.4.0',
        digest: 'sha256:52ee6d53e5fd6a7c3e3a1d8b4b9b6d1e8a47f4b8b4cc5a5e52a4ad9f5b0e7c31',
      },
    });
    const reading = readPayload('ghcr', fixture('ghcr-package-published.json'), 'package');
    assert.equal(reading.kind === 'push' && reading.pushed.tag, '1.5.0');
  });

  it('starts no work for a GitHub ping, another event, another action or a package that is no container', () => {
    assert.deepEqual(readPayload('ghcr', fixture('ghcr-ping.json'), 'ping'), { kind: 'ignored', reason: 'GitHub ping' });
    assert.equal(readPayload('ghcr', fixture('ghcr-ping.json'), 'push').kind, 'ignored');
    const payload = JSON.parse(fixture('ghcr-registry-package-published.json').toString()) as { action: string; registry_package: { package_type: string } };
    assert.match(String(ignoredReason(readPayload('ghcr', Buffer.from(JSON.stringify({ ...payload, action: 'updated' })), 'registry_package'))), /only published versions/);
    payload.registry_package.package_type = 'npm';
    assert.match(String(ignoredReason(readPayload('ghcr', Buffer.from(JSON.stringify(payload)), 'registry_package'))), /only containers/);
  });

  it("reads Harbor's PUSH_ARTIFACT (default and CloudEvents formats) with the host of resource_url; a pull starts no work", () => {
    // Pushed by digest: Harbor puts the digest in `tag`, which is then no tag.
    assert.deepEqual(readPayload('harbor', fixture('harbor-push-artifact.json')), {
      kind: 'push',
      pushed: { registry: 'localhost', repository: 'harbor/alpine', digest: 'sha256:954b378c375d852eb3c63ab88978f640b4348b01c1b3456a024a81536dafbbf4' },
    });
    const cloudEvent = readPayload('harbor', fixture('harbor-push-artifact-cloudevents.json'));
    assert.equal(cloudEvent.kind === 'push' && cloudEvent.pushed.tag, 'v1.2.0');
    assert.match(String(ignoredReason(readPayload('harbor', fixture('harbor-pull-artifact.json')))), /Harbor PULL_ARTIFACT: only pushes/);
  });

  it("reads Quay's repository push, current (tag list) and older (tag map) forms, with the host of docker_url", () => {
    assert.deepEqual(readPayload('quay', fixture('quay-repository-push.json')), {
      kind: 'push',
      pushed: { registry: 'quay.io', repository: 'dgangaia/test', tag: 'latest' },
    });
    assert.deepEqual(readPayload('quay', fixture('quay-repository-push-legacy.json')), {
      kind: 'push',
      pushed: { registry: 'quay.io', repository: 'devtable/ubuntu', tag: 'latest' },
    });
    const twoTags = JSON.parse(fixture('quay-repository-push.json').toString()) as Record<string, unknown>;
    const reading = readPayload('quay', Buffer.from(JSON.stringify({ ...twoTags, updated_tags: ['1.0', 'latest'] })));
    assert.deepEqual(reading.kind === 'push' && reading.pushed, { registry: 'quay.io', repository: 'dgangaia/test' }, 'no single tag: none named');
  });

  it('refuses what is not the documented payload, or names no valid repository', () => {
    assert.throws(() => readPayload('dockerhub', Buffer.from('not json')), UnreadablePayload);
    assert.throws(() => readPayload('dockerhub', Buffer.from('{"push_data":{}}')), /repository/);
    assert.throws(() => readPayload('quay', Buffer.from('{"docker_url":"quay.io"}')), /names no repository/);
    assert.throws(() => readPayload('dockerhub', Buffer.from('{"push_data":{"tag":"x"},"repository":{"repo_name":"../../etc"}}')), /an OCI repository name/);
    assert.throws(() => readPayload('harbor', Buffer.from('{"type":"PUSH_ARTIFACT","event_data":{"resources":[],"repository":{"repo_full_name":"a/b"}}}')), /one registry host/);
  });
});

function ignoredReason(reading: ReturnType<typeof readPayload>): string | undefined {
  return reading.kind === 'ignored' ? reading.reason : undefined;
}

describe('webhook authentication', () => {
  const request = (fields: Partial<WebhookRequest>): WebhookRequest => ({ method: 'POST', route: '', headers: {}, query: {}, body: Buffer.from('{}'), ...fields });

  it("computes GitHub's documented test signature", () => {
    // docs.github.com, "Validating webhook deliveries": this secret and payload give this signature.
    assert.equal(githubSignature(Buffer.from('Hello, World!'), "It's a Secret to Everybody"), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('accepts GitHub calls signed with the secret, refuses unsigned, wrongly signed and altered ones', () => {
    const secret = 'ghcr-webhook-secret-0123';
    const body = fixture('ghcr-registry-package-published.json');
    const signed = { 'x-hub-signature-256': githubSignature(body, secret) };
    assert.equal(refusal('ghcr', request({ body, headers: signed }), secret), undefined);
    assert.equal(refusal('ghcr', request({ body }), secret), 'no X-Hub-Signature-256 header');
    assert.equal(refusal('ghcr', request({ body, headers: { 'x-hub-signature-256': githubSignature(body, 'another-secret-456789') } }), secret), 'wrong signature');
    const altered = Buffer.from(body.toString().replace('1.4.0', '9.9.9'));
    assert.equal(refusal('ghcr', request({ body: altered, headers: signed }), secret), 'wrong signature');
  });

  it("accepts Harbor's Authorization header and the URL token of Docker Hub and Quay only when they equal the secret", () => {
    const secret = 'Bearer harbor-auth-header-1';
    assert.equal(refusal('harbor', request({ headers: { authorization: secret } }), secret), undefined);
    assert.equal(refusal('harbor', request({}), secret), 'no Authorization header');
    assert.equal(refusal('harbor', request({ headers: { authorization: `${secret}x` } }), secret), 'wrong Authorization header');
    for (const provider of ['dockerhub', 'quay'] as const) {
      assert.equal(refusal(provider, request({ query: { token: 'url-token-0123456789' } }), 'url-token-0123456789'), undefined);
      assert.equal(refusal(provider, request({}), 'url-token-0123456789'), 'no token in the URL');
      assert.equal(refusal(provider, request({ query: { token: 'url-token-012345678' } }), 'url-token-0123456789'), 'wrong token');
    }
    assert.equal(sameSecret('same', 'same'), true);
    assert.equal(sameSecret('same', 'Same'), false);
    assert.equal(sameSecret('', 'same'), false);
  });
});

describe('applications a push concerns', () => {
  const app = (name: string, image: string) => kustomizeApp({ name, namespace: 'apps', settings: { 'image-list': `app=${image}` }, liveImages: [`${image}:1.0.0`] });
  const tracking = (pushed: PushedRepository, images: Record<string, string>) =>
    appsTrackingPush(
      Object.entries(images).map(([name, image]) => ({ app: app(name, image) })),
      pushed,
      {},
    ).map(({ app }) => app.metadata.name);

  it('matches Docker Hub in every written form, official images under library/', () => {
    const images = { implicit: 'nginx', explicit: 'docker.io/library/nginx', legacy: 'index.docker.io/nginx', library: 'library/nginx', other: 'bitnami/nginx', elsewhere: 'quay.io/library/nginx' };
    assert.deepEqual(tracking({ registry: 'docker.io', repository: 'library/nginx' }, images), ['implicit', 'explicit', 'legacy', 'library']);
    assert.deepEqual(tracking({ registry: 'docker.io', repository: 'bitnami/nginx' }, images), ['other']);
  });

  it('matches other registries by host (and port) and repository', () => {
    const images = { ghcr: 'ghcr.io/octo-org/hello_docker', upper: 'GHCR.io/octo-org/hello_docker', fork: 'ghcr.io/fork/hello_docker', harbor: 'harbor.example.com:8443/team/web', otherPort: 'harbor.example.com/team/web' };
    assert.deepEqual(tracking({ registry: 'ghcr.io', repository: 'octo-org/hello_docker' }, images), ['ghcr', 'upper']);
    assert.deepEqual(tracking({ registry: 'harbor.example.com:8443', repository: 'team/web' }, images), ['harbor']);
  });

  it('matches Amazon ECR by account, region and repository in any host form', () => {
    const images = { ipv4: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web', dualStack: '123456789012.dkr-ecr.eu-west-1.on.aws/team/web', otherRegion: '123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web' };
    assert.deepEqual(tracking({ registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', repository: 'team/web' }, images), ['ipv4', 'dualStack']);
  });
});
