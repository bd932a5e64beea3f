import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startMoto } from '../support/aws/moto';

describe('startMoto', () => {
  it('serves AWS APIs on a loopback port until stopped', async () => {
    const moto = await startMoto();
    assert.match(moto.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${moto.endpoint}/moto-api/`)).ok, true);
    await moto.stop();
    await assert.rejects(fetch(`${moto.endpoint}/moto-api/`));
  });

  it('says how to install moto_server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await assert.rejects(startMoto(), /moto_server is not on PATH: install it with pip install 'moto\[server\]'/);
    } finally {
      process.env.PATH = path;
    }
  });
});
