// A malicious registry, configured like any other: it may not pull credentials onto plain http, to
// a token realm on another host or across a redirect; it may not exhaust memory with huge bodies
// or smuggle tags that break the OCI grammar; and a 401 echoing the password never shows it.
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, it } from 'node:test';
import { RegistryClient } from '../../lib/registry/client';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { captureLog, endpointFor } from '../registry/helpers';
import { sendJson, stubPool } from '../registry/stub-server';

const CREDENTIALS = { username: 'robot', password: 'Zq9-Secret-Password-0123456789' };
const MIB = 1024 * 1024;

const { stub, stopAll } = stubPool(closeRegistryConnections);

afterEach(stopAll);

/** Streams `total` bytes of `fill` (never held whole); returns a counter of what was actually written. */
function streamHuge(response: ServerResponse, total: number, contentType: string, fill = 'a', status = 200): { written: number } {
  const progress = { written: 0 };
  const chunk = Buffer.alloc(64 * 1024, fill);
  response.writeHead(status, { 'content-type': contentType });
  const pump = (): void => {
    while (progress.written < total) {
      progress.written += chunk.length;
      if (!response.write(chunk)) {
        response.once('drain', pump);
        return;
      }
    }
    response.end();
  };
  response.on('error', () => undefined);
  pump();
  return progress;
}

describe('credentials go only where they belong', () => {
  const basicRegistry = () =>
    stub((request, response, url) => {
      if (!request.headers.authorization) return sendJson(response, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 200, { name: 'team/app', tags: ['1.0.0'] });
    });

  it('not over plain http unless the registry is configured insecure', async () => {
    const server = await basicRegistry();
    const client = new RegistryClient({ endpoint: endpointFor(server.url), credentials: CREDENTIALS, log: captureLog() });
    await assert.rejects(client.listTags('team/app'), /credentials are not sent over plain http to 127\.0\.0\.1:\d+; configure the registry with insecure: true/);
    assert.ok(server.requests.every((request) => request.authorization === undefined), 'nothing carried credentials');

    const insecure = new RegistryClient({ endpoint: endpointFor(server.url, { insecure: true }), credentials: CREDENTIALS, log: captureLog() });
    assert.deepEqual(await insecure.listTags('team/app'), ['1.0.0']);
  });

  it('not to a token realm on another host, unless token_hosts lists it', async () => {
    const realm = await stub((_request, response) => sendJson(response, 200, { token: 'stolen-token-value' }));
    const realmOnOtherHost = realm.url.replace('127.0.0.1', 'localhost');
    const server = await stub((request, response, url) => {
      if (request.headers.authorization !== 'Bearer stolen-token-value') {
        return sendJson(response, 401, {}, { 'www-authenticate': `Bearer realm="${realmOnOtherHost}/token",service="s"` });
      }
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 200, { name: 'team/app', tags: ['1.0.0'] });
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url, { insecure: true }), credentials: CREDENTIALS, log: captureLog() });
    await assert.rejects(client.listTags('team/app'), /credentials are not sent to token realm http:\/\/localhost:\d+: it is not on the registry's host 127\.0\.0\.1; list localhost in token_hosts/);
    assert.equal(realm.requests.length, 0, 'the realm received nothing');

    const allowed = new RegistryClient({
      endpoint: endpointFor(server.url, { insecure: true, tokenHosts: ['localhost'] }),
      credentials: CREDENTIALS,
      log: captureLog(),
    });
    assert.deepEqual(await allowed.listTags('team/app'), ['1.0.0']);
    assert.equal(realm.requests.length, 1);
  });

  it('never across a redirect to another origin', async () => {
    const elsewhere = await stub((_request, response) => sendJson(response, 200, { name: 'team/app', tags: ['9.9.9'] }));
    const server = await stub((request, response, url) => {
      if (!request.headers.authorization) return sendJson(response, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      response.writeHead(307, { location: `${elsewhere.url.replace('127.0.0.1', 'localhost')}${url.pathname}${url.search}` });
      response.end();
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url, { insecure: true }), credentials: CREDENTIALS, log: captureLog() });
    assert.deepEqual(await client.listTags('team/app'), ['9.9.9']);
    assert.equal(elsewhere.requests.length, 1);
    assert.equal(elsewhere.requests[0]?.authorization, undefined, 'the redirect target got no credentials');
  });

  it('a 401 body echoing the credentials never shows them, whole or in part', async () => {
    const basic = Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64');
    const server = await stub((request, response, url) => {
      if (url.pathname === '/v2/') {
        return request.headers.authorization ? sendJson(response, 200, {}) : sendJson(response, 401, {}, { 'www-authenticate': 'Basic realm="r"' });
      }
      // The password straddles the 300th character, where the error text is cut.
      const message = `${'x'.repeat(280)} ${CREDENTIALS.password} ${basic} ${encodeURIComponent(CREDENTIALS.password)}`;
      sendJson(response, 401, { errors: [{ code: 'UNAUTHORIZED', message }] });
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url, { insecure: true }), credentials: CREDENTIALS, log: captureLog() });
    await assert.rejects(client.listTags('team/app'), (error: Error) => {
      for (let start = 0; start + 8 <= CREDENTIALS.password.length; start++) {
        const part = CREDENTIALS.password.slice(start, start + 8);
        assert.ok(!error.message.includes(part), `${part} of the password in: ${error.message}`);
      }
      assert.ok(!error.message.includes(basic.slice(0, 12)));
      assert.match(error.message, /authentication failed \(HTTP 401, UNAUTHORIZED: x+ \*\*\* \*/);
      return true;
    });
  });
});

describe('bounded answers', () => {
  const openRegistry = (serve: (response: ServerResponse, url: URL) => void) =>
    stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      serve(response, url);
    });

  for (const [what, path, call, message] of [
    ['tag page', '/tags/list', (client: RegistryClient) => client.listTags('team/app'), /listing tags: the answer is larger than 4 MiB/],
    ['manifest', '/manifests/', (client: RegistryClient) => client.metadata('team/app', '1.0.0'), /manifest 1\.0\.0: the answer is larger than 4 MiB/],
  ] as const) {
    it(`a 100 MB ${what} is refused after 4 MiB, not buffered`, async () => {
      let progress = { written: 0 };
      const server = await openRegistry((response, url) => {
        if (url.pathname.includes(path)) progress = streamHuge(response, 100 * MIB, 'application/json');
        else sendJson(response, 404, {});
      });
      const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
      await assert.rejects(call(client), message);
      assert.ok(progress.written < 50 * MIB, `the registry could send only ${progress.written} bytes`);
      assert.equal(server.requests.length, 2);
    });
  }

  it('a huge config blob, token or error body is cut off too', async () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 1 }, layers: [] };
    const server = await openRegistry((response, url) => {
      if (url.pathname.includes('/manifests/')) return sendJson(response, 200, manifest, { 'content-type': manifest.mediaType });
      if (url.pathname.includes('/blobs/')) return void streamHuge(response, 100 * MIB, 'application/json');
      sendJson(response, 404, {});
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
    await assert.rejects(client.metadata('team/app', '1.0.0'), /image config sha256:0+: the answer is larger than 4 MiB/);

    const realm = await stub((_request, response) => void streamHuge(response, 100 * MIB, 'application/json'));
    const tokenRegistry = await stub((_request, response) =>
      sendJson(response, 401, {}, { 'www-authenticate': `Bearer realm="${realm.url}/token",service="s"` }),
    );
    const tokenClient = new RegistryClient({ endpoint: endpointFor(tokenRegistry.url), log: captureLog() });
    await assert.rejects(tokenClient.listTags('team/app'), /sent no usable token/);

    // An error answer of 100 MB: only its beginning is read.
    let errorProgress = { written: 0 };
    const failing = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      errorProgress = streamHuge(response, 100 * MIB, 'application/json', '[', 500);
    });
    const failingClient = new RegistryClient({ endpoint: endpointFor(failing.url), log: captureLog() });
    await assert.rejects(failingClient.listTags('team/app'), /listing tags: .*HTTP 500/);
    assert.ok(errorProgress.written < 50 * MIB, `the error body was read to ${errorProgress.written} bytes`);
  });

  it('tags outside the OCI grammar are ignored and counted', async () => {
    const hostile = ['1.0.0', '1.0.1\nimage: evil', 'x"y', 'a=b', 'v'.repeat(5000), '.hidden', '-dash', '1.0.2'];
    const server = await openRegistry((response) => sendJson(response, 200, { name: 'team/app', tags: hostile }));
    const log = captureLog();
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log });
    assert.deepEqual(await client.listTags('team/app'), ['1.0.0', '1.0.2']);
    const warning = log.lines.find((line) => line.level === 'warn');
    assert.match(warning?.message ?? '', /6 tag\(s\) ignored, not valid OCI tags/);
    assert.equal(warning?.fields?.ignoredTags, 6);
  });
});
