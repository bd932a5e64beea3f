// Basic (htpasswd) and token authentication against real docker-registry instances.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../lib/registry/client';
import { RegistryError } from '../../lib/registry/errors';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { pushImage, startRegistry, type RunningRegistry } from '../support/registry';
import { captureLog, CountingRequests, endpointFor } from './helpers';

const USER = { username: 'reader', password: 'reader-Secret-4711' };
const WRONG = { username: 'reader', password: 'not-the-Password-0815' };

describe('Basic authentication', () => {
  let registry: RunningRegistry;

  before(async () => {
    registry = await startRegistry({ auth: 'basic', users: [USER] });
    await pushImage(registry, 'private/app', '1.0.0');
  });
  after(async () => {
    await registry.stop();
    await closeRegistryConnections();
  });

  it('lists tags with the right credentials', async () => {
    const counter = new CountingRequests();
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { insecure: true }), credentials: USER, log: captureLog(), counter });
    assert.deepEqual(await client.listTags('private/app'), ['1.0.0']);
    assert.deepEqual(counter.counts, { ping: 1, tags: 1 });
  });

  it('fails clearly with a wrong password, without showing it', async () => {
    const log = captureLog();
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { insecure: true }), credentials: WRONG, log });
    await assert.rejects(client.listTags('private/app'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.status, 401);
      assert.match(error.message, /repository private\/app: listing tags: authentication failed \(HTTP 401/);
      assert.doesNotMatch(error.message, /not-the-Password-0815/);
      return true;
    });
    assert.doesNotMatch(JSON.stringify(log.lines), /not-the-Password-0815/);
  });

  it('says authentication is required when no credentials are configured', async () => {
    const client = new RegistryClient({ endpoint: endpointFor(registry.url), log: captureLog() });
    await assert.rejects(client.digestOf('private/app', '1.0.0'), /repository private\/app: manifest 1\.0\.0: authentication required \(HTTP 401\)/);
  });
});

describe('Token authentication', () => {
  let registry: RunningRegistry;
  let digest = '';

  before(async () => {
    registry = await startRegistry({ auth: 'token', users: [USER] });
    digest = (await pushImage(registry, 'private/app', '1.0.0')).digest;
    await pushImage(registry, 'private/other', '2.0.0');
  });
  after(async () => {
    await registry.stop();
    await closeRegistryConnections();
  });

  it('gets one token per repository and reuses it', async () => {
    const before = registry.tokenRequests?.() ?? 0;
    const counter = new CountingRequests();
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { insecure: true }), credentials: USER, log: captureLog(), counter });
    assert.deepEqual(await client.listTags('private/app'), ['1.0.0']);
    assert.equal(await client.digestOf('private/app', '1.0.0'), digest);
    assert.ok((await client.metadata('private/app', '1.0.0')).created instanceof Date);
    assert.deepEqual(await client.listTags('private/other'), ['2.0.0']);
    assert.equal((registry.tokenRequests?.() ?? 0) - before, 2);
    assert.deepEqual(counter.counts, { ping: 1, token: 2, tags: 2, 'manifest-head': 1, 'manifest-get': 1, blob: 1 });
  });

  it('is denied anonymously, with a clear error', async () => {
    const counter = new CountingRequests();
    const client = new RegistryClient({ endpoint: endpointFor(registry.url), log: captureLog(), counter });
    await assert.rejects(client.listTags('private/app'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.equal(error.status, 401);
      assert.match(error.message, /repository private\/app: listing tags: authentication required \(HTTP 401, UNAUTHORIZED/);
      return true;
    });
    assert.deepEqual(counter.counts, { ping: 1, token: 1, tags: 1 }, 'a fresh token that is refused is not retried');
  });

  it('reports a refused token request without the password', async () => {
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { insecure: true }), credentials: WRONG, log: captureLog() });
    await assert.rejects(client.listTags('private/app'), (error: Error) => {
      assert.match(error.message, /repository private\/app: token request to http:\/\/127\.0\.0\.1:\d+\/token: authentication failed \(HTTP 401/);
      assert.doesNotMatch(error.message, /not-the-Password-0815/);
      return true;
    });
  });
});
