// A registry behind TLS with a private CA: trusted through caData, refused without it, or not verified with insecure.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RegistryClient } from '../../lib/registry/client';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { closeRegistryConnections } from '../../lib/registry/transport';
import { pushImage, startRegistry, type RunningRegistry } from '../support/registry';
import { captureLog, endpointFor } from './helpers';

describe('TLS', () => {
  let registry: RunningRegistry;

  before(async () => {
    registry = await startRegistry({ tls: true });
    await pushImage(registry, 'secure/app', '1.0.0');
  });
  after(async () => {
    await registry.stop();
    await closeRegistryConnections();
  });

  it('trusts the registry through its CA (ca_data)', async () => {
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { caData: registry.caPem }), log: captureLog() });
    assert.deepEqual(await client.listTags('secure/app'), ['1.0.0']);
  });

  it('trusts the registry through a CA file (ca_file)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ca-file-'));
    try {
      const caFile = join(dir, 'ca.pem');
      await writeFile(caFile, registry.caPem ?? '');
      const client = new RegistryClient({ endpoint: endpointFor(registry.url, { caFile }), log: captureLog() });
      assert.deepEqual(await client.listTags('secure/app'), ['1.0.0']);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('refuses an unknown CA with a message that says what to do', async () => {
    const client = new RegistryClient({ endpoint: endpointFor(registry.url), log: captureLog() });
    await assert.rejects(
      client.listTags('secure/app'),
      /repository secure\/app: GET https:\/\/127\.0\.0\.1:\d+\/v2\/: TLS certificate verification failed: .*set insecure/,
    );
  });

  it('keeps the certificate error for an inferred loopback endpoint instead of falling back to http', async () => {
    const endpoint = new EndpointDirectory([], { inferredOperatorTrusted: true }).endpointFor({ registry: registry.host, name: 'secure/app' });
    const client = new RegistryClient({ endpoint, log: captureLog() });
    await assert.rejects(client.listTags('secure/app'), /TLS certificate verification failed/);
  });

  it('skips verification when insecure', async () => {
    const client = new RegistryClient({ endpoint: endpointFor(registry.url, { insecure: true }), log: captureLog() });
    assert.deepEqual(await client.listTags('secure/app'), ['1.0.0']);
  });
});
