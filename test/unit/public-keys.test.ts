// Where cosign public keys come from: a Secret of the ImageUpdater's namespace, or the operator's
// file; read once per cycle, and every failure names where the key was looked for, never the key.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CosignKeySource } from '../../lib/model';
import { PublicKeys } from '../../lib/verify/public-keys';
import { cosignKeys } from '../support/registry';

const pem = cosignKeys().publicKeyPem;
const source = (secretName: string, key = 'cosign.pub'): CosignKeySource => ({ kind: 'secret', imageUpdater: 'team/web', namespace: 'team', secretName, key });

/** Secrets as the cluster holds them; a missing one fails as the API does (404). */
function cluster(secrets: Record<string, Record<string, string>>) {
  const reads: string[] = [];
  return {
    reads,
    readSecret(namespace: string, name: string) {
      reads.push(`${namespace}/${name}`);
      const data = secrets[`${namespace}/${name}`];
      return data ? Promise.resolve(data) : Promise.reject(new Error(`get secret ${namespace}/${name}: HTTP 404 Not Found`));
    },
  };
}

test('a Secret key holding a PEM public key is read once per cycle, however many images name it', async () => {
  const secrets = cluster({ 'team/cosign': { 'cosign.pub': pem } });
  const keys = new PublicKeys(secrets);
  const [first, second] = await Promise.all([keys.key(source('cosign')), keys.key(source('cosign'))]);
  assert.equal(first.asymmetricKeyType, 'ec');
  assert.equal(first, second);
  assert.deepEqual(secrets.reads, ['team/cosign']);
});

test('a missing Secret, a missing key or a value that is no key: errors naming the resource, the Secret and the key', async () => {
  const keys = new PublicKeys(cluster({ 'team/cosign': { 'other.pub': pem, 'cosign.pub': 'hunter2' } }));
  await assert.rejects(keys.key(source('absent')), {
    message: 'ImageUpdater team/web imagesVerification.cosignKey: secret team/absent, key "cosign.pub": cannot read the secret: get secret team/absent: HTTP 404 Not Found',
  });
  await assert.rejects(keys.key(source('cosign', 'missing.pub')), {
    message: 'ImageUpdater team/web imagesVerification.cosignKey: secret team/cosign, key "missing.pub": the secret has no key "missing.pub"',
  });
  await assert.rejects(keys.key(source('cosign')), (error: Error) => {
    assert.equal(error.message, 'ImageUpdater team/web imagesVerification.cosignKey: secret team/cosign, key "cosign.pub": the value is not a PEM-encoded public key');
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
});

test("the operator's key file", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'public-keys-'));
  try {
    writeFileSync(join(dir, 'cosign.pub'), pem);
    const keys = new PublicKeys(cluster({}));
    assert.equal((await keys.key({ kind: 'file', path: join(dir, 'cosign.pub') })).asymmetricKeyType, 'ec');
    await assert.rejects(keys.key({ kind: 'file', path: join(dir, 'absent.pub') }), {
      message: `cosign public key file ${join(dir, 'absent.pub')} (IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE): cannot read the file: ENOENT`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
