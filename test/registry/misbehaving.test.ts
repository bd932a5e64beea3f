// Registry behaviour a real docker-registry does not show on demand: throttling, a server that is
// no registry, pagination links to another host, a registry that protects repositories but not /v2/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { RegistryClient } from '../../lib/registry/client';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { captureLog, CountingRequests, endpointFor } from './helpers';
import { sendJson, stubPool } from './stub-server';

const { stub, stopAll } = stubPool(closeRegistryConnections);

afterEach(stopAll);

describe('throttling', () => {
  it('waits for Retry-After on 429 and then succeeds', async () => {
    let throttled = 0;
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      if (throttled++ === 0) return sendJson(response, 429, { errors: [{ code: 'TOOMANYREQUESTS' }] }, { 'retry-after': '1' });
      sendJson(response, 200, { name: 'team/app', tags: ['1.0.0'] });
    });
    const counter = new CountingRequests();
    const log = captureLog();
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log, counter, deadline: Date.now() + 10_000 });
    const started = Date.now();
    assert.deepEqual(await client.listTags('team/app'), ['1.0.0']);
    assert.ok(Date.now() - started >= 950, 'waited about a second');
    assert.deepEqual(counter.counts, { ping: 1, tags: 2 });
    assert.ok(log.lines.some((line) => line.level === 'warn' && line.message === 'registry asks to retry later'));
  });

  it('fails at once when Retry-After ends after the deadline', async () => {
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 503, {}, { 'retry-after': '120' });
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog(), deadline: Date.now() + 5_000 });
    const started = Date.now();
    await assert.rejects(
      client.listTags('team/app'),
      /repository team\/app: GET http:\/\/127\.0\.0\.1:\d+\/v2\/team\/app\/tags\/list\?n=1000: HTTP 503, the registry asks to retry in 120 s, after the deadline/,
    );
    assert.ok(Date.now() - started < 1000);
  });

  it('fails with the status when a 429 gives no Retry-After', async () => {
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 429, { errors: [{ code: 'TOOMANYREQUESTS', message: 'slow down' }] });
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
    await assert.rejects(client.listTags('team/app'), /listing tags: rate limited \(HTTP 429, TOOMANYREQUESTS: slow down\)/);
  });

  it('shares the endpoint rate limit between clients', async () => {
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 200, { name: 'x', tags: ['1'] });
    });
    const endpoint = endpointFor(server.url, { rateLimitPerSecond: 4 });
    const clients = [1, 2].map(() => new RegistryClient({ endpoint: { ...endpoint }, log: captureLog() }));
    const started = Date.now();
    await Promise.all(clients.flatMap((client) => [client.listTags('team/a'), client.listTags('team/b')]));
    // 2 pings + 4 tag lists at 4/s with a burst of 4: the last two wait 250 and 500 ms.
    assert.ok(Date.now() - started >= 450, `took ${Date.now() - started} ms`);
  });
});

describe('unusual registries', () => {
  it('refuses a server whose /v2/ is neither 200 nor 401', async () => {
    const server = await stub((_request, response) => sendJson(response, 404, {}));
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
    await assert.rejects(
      client.listTags('team/app'),
      new RegExp(`repository team/app: ${server.url}/v2/ does not seem to be a valid v2 Docker Registry API \\(HTTP 404\\)`),
    );
  });

  it('never sends credentials to another host named by a Link header', async () => {
    const other = await stub((_request, response) => sendJson(response, 200, { name: 'team/app', tags: ['c'] }));
    const server = await stub((request, response, url) => {
      if (!request.headers.authorization) {
        return sendJson(response, 401, {}, { 'www-authenticate': 'Basic realm="stub"' });
      }
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 200, { name: 'team/app', tags: ['a', 'b'] }, { link: `<${other.url}/v2/team/app/tags/list?last=b>; rel="next"` });
    });
    const credentials = { username: 'u', password: 'link-test-password' };
    const client = new RegistryClient({ endpoint: endpointFor(server.url, { insecure: true }), credentials, log: captureLog() });
    assert.deepEqual(await client.listTags('team/app'), ['a', 'b', 'c']);
    assert.equal(other.requests.length, 1);
    assert.equal(other.requests[0]?.authorization, undefined);
  });

  it('takes up a Bearer challenge on a repository when /v2/ itself is open', async () => {
    let tokenRequests = 0;
    const auth = await stub((_request, response, url) => {
      tokenRequests += 1;
      assert.equal(url.searchParams.get('scope'), 'repository:team/app:pull');
      sendJson(response, 200, { access_token: 'opaque-bearer-token-1' });
    });
    const server = await stub((request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      if (request.headers.authorization !== 'Bearer opaque-bearer-token-1') {
        return sendJson(response, 401, {}, { 'www-authenticate': `Bearer realm="${auth.url}/token",service="stub"` });
      }
      sendJson(response, 200, { name: 'team/app', tags: ['1.0.0'] });
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
    assert.deepEqual(await client.listTags('team/app'), ['1.0.0']);
    assert.equal(tokenRequests, 1);
  });

  it('gets the digest by hashing the manifest when HEAD has no Docker-Content-Digest', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
      layers: [],
    });
    const server = await stub((request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      response.end(request.method === 'HEAD' ? undefined : manifest);
    });
    const counter = new CountingRequests();
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog(), counter });
    assert.equal(await client.digestOf('team/app', 'latest'), `sha256:${createHash('sha256').update(manifest).digest('hex')}`);
    assert.deepEqual(counter.counts, { ping: 1, 'manifest-head': 1, 'manifest-get': 1 });
  });

  it('follows a relative redirect on its own origin, and gives up after five', async () => {
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      if (url.pathname === '/v2/team/app/tags/list') {
        response.writeHead(302, { location: '/moved/tags' });
        return response.end();
      }
      if (url.pathname === '/moved/tags') return sendJson(response, 200, { name: 'team/app', tags: ['2.0.0'] });
      response.writeHead(307, { location: `/loop${url.pathname}` });
      response.end();
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog() });
    assert.deepEqual(await client.listTags('team/app'), ['2.0.0']);
    await assert.rejects(client.listTags('team/loops'), /GET http:\/\/127\.0\.0\.1:\d+\/v2\/team\/loops\/tags\/list\?n=\d+: more than 5 redirects/);
  });

  it('cuts a body that trickles past the deadline', async () => {
    const server = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"name":"team/app","tags":[');
      const drip = setInterval(() => response.write('"1.0.0",'), 100);
      response.on('close', () => clearInterval(drip));
    });
    const client = new RegistryClient({ endpoint: endpointFor(server.url), log: captureLog(), deadline: Date.now() + 1_500 });
    const started = Date.now();
    await assert.rejects(client.listTags('team/app'), /listing tags: .*deadline/);
    assert.ok(Date.now() - started < 3_000, `gave up at the deadline, not later (${Date.now() - started} ms)`);
  });
});

describe('a proxy from the environment', () => {
  it('carries the registry requests when HTTP_PROXY is set, and none when it is not', async () => {
    const registry = await stub((_request, response, url) => {
      if (url.pathname === '/v2/') return sendJson(response, 200, {});
      sendJson(response, 200, { name: 'team/app', tags: ['3.0.0'] });
    });
    // A forward proxy: it tunnels to the host the client names, which only the proxy can reach.
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(request.url ?? '');
      const upstream = connect(Number(new URL(registry.url).port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client).on('error', () => undefined);
        client.pipe(upstream).on('error', () => undefined);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const client = new RegistryClient({ endpoint: endpointFor('http://registry.proxied.invalid:5000'), log: captureLog() });
      assert.deepEqual(await client.listTags('team/app'), ['3.0.0']);
      assert.ok(tunnels.length > 0, 'the requests went through the proxy');
      assert.deepEqual(new Set(tunnels), new Set(['registry.proxied.invalid:5000']));
      assert.equal(registry.requests.length, 2);
    } finally {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
      await closeRegistryConnections();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
    const tunnelled = tunnels.length;
    const direct = new RegistryClient({ endpoint: endpointFor(registry.url), log: captureLog() });
    assert.deepEqual(await direct.listTags('team/app'), ['3.0.0']);
    assert.equal(tunnels.length, tunnelled, 'without HTTP_PROXY nothing goes through the proxy');
  });
});
