// The cycle's deadline reaches into the AWS SDK: an ECR API call that hangs is abandoned on time.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { RegistryEndpoint } from '../../lib/registry/config';
import { ecrCredentials, ecrRegistryOf } from '../../lib/registry/ecr';
import { captureLog } from './helpers';

describe('ECR API calls and the deadline', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  const environment = { ...process.env };

  before(async () => {
    // Accepts connections and never answers.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    process.env.AWS_ENDPOINT_URL_ECR = `http://127.0.0.1:${address.port}`;
    process.env.AWS_ACCESS_KEY_ID = 'AKIADEADLINETEST0001';
    process.env.AWS_SECRET_ACCESS_KEY = 'deadline-test-secret';
  });

  after(async () => {
    process.env = environment;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gives up on a hanging call when the deadline comes', async () => {
    const registry = ecrRegistryOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    assert.ok(registry);
    const endpoint: RegistryEndpoint = { name: registry.host, prefix: registry.host, apiUrl: `https://${registry.host}`, insecure: false, isDefault: false, tagSortMode: 'none' };
    const started = Date.now();
    await assert.rejects(
      ecrCredentials(registry, { endpoint, log: captureLog(), deadline: started + 300 }),
      /GetAuthorizationToken in eu-west-1: deadline reached/,
    );
    assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
  });
});
