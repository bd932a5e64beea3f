import assert from 'node:assert/strict';
import { access, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCredentialReference, resolveCredentials, type SecretReader } from '../../lib/registry/credentials';
import { redact } from '../../lib/report/secrets';

class FakeSecrets implements SecretReader {
  constructor(private readonly secrets: Record<string, Record<string, string>>) {}

  async readSecret(namespace: string, name: string): Promise<Record<string, string>> {
    const secret = this.secrets[`${namespace}/${name}`];
    if (!secret) throw new Error(`secrets "${name}" not found`);
    return secret;
  }
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

const secrets = new FakeSecrets({
  'argocd/ghcr': {
    '.dockerconfigjson': JSON.stringify({
      auths: {
        'quay.io': { auth: base64('quay-user:quay-pass') },
        'https://ghcr.io': { auth: base64('gh-user:gh:pass-with-colon') },
      },
    }),
  },
  'argocd/hub': { '.dockerconfigjson': JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: base64('hub-user:hub-pass') } } }) },
  'argocd/fields': { '.dockerconfigjson': JSON.stringify({ auths: { 'registry.corp:5000': { username: 'corp-user', password: 'corp-pass' } } }) },
  'argocd/legacy': { '.dockercfg': JSON.stringify({ 'registry.corp:5000': { auth: base64('old-user:old-pass') } }) },
  'argocd/plain': { creds: 'plain-user:plain-pass\n', bad: 'no-colon' },
  'argocd/broken': { '.dockerconfigjson': '{not json' },
});

const ghcr = { secrets, registryHost: 'ghcr.io', apiUrl: 'https://ghcr.io' };

describe('parseCredentialReference', () => {
  it('parses each kind, case-insensitively and with an optional registry prefix', () => {
    assert.deepEqual(parseCredentialReference('pullsecret:argocd/ghcr'), { kind: 'pullsecret', namespace: 'argocd', name: 'ghcr' });
    assert.deepEqual(parseCredentialReference('Secret:argocd/plain#creds'), { kind: 'secret', namespace: 'argocd', name: 'plain', field: 'creds' });
    assert.deepEqual(parseCredentialReference('ENV:REGISTRY_CREDS'), { kind: 'env', variable: 'REGISTRY_CREDS' });
    assert.deepEqual(parseCredentialReference('ext:/opt/creds.sh'), { kind: 'ext', path: '/opt/creds.sh' });
    assert.deepEqual(parseCredentialReference('gcr.io=pullsecret:a/b'), { kind: 'pullsecret', namespace: 'a', name: 'b' });
    assert.deepEqual(parseCredentialReference('ext:/opt/a=b.sh'), { kind: 'ext', path: '/opt/a=b.sh' });
  });

  it('rejects malformed references with a message naming them', () => {
    const cases: [string, RegExp][] = [
      ['pullsecret:argocd', /"pullsecret:argocd": expected pullsecret:<namespace>\/<name>/],
      ['pullsecret:a/b/c', /expected pullsecret:<namespace>\/<name>/],
      ['secret:argocd/plain', /"secret:argocd\/plain": expected secret:<namespace>\/<name>#<field>/],
      ['env:', /expected <type>:<value>/],
      ['env:NOT-A-NAME', /expected env:<VARIABLE>/],
      ['ext:relative/creds.sh', /the script path must be absolute/],
      ['vault:argocd/x', /unknown type "vault"/],
      ['argocd/ghcr', /expected <type>:<value>/],
    ];
    for (const [reference, message] of cases) assert.throws(() => parseCredentialReference(reference), message, reference);
  });
});

describe('resolveCredentials', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ext-creds-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, 0o755);
    return path;
  }

  it('picks the pull secret entry whose host is the registry host, as Docker matches keys', async () => {
    assert.deepEqual(await resolveCredentials('pullsecret:argocd/ghcr', ghcr), { username: 'gh-user', password: 'gh:pass-with-colon' });
    assert.deepEqual(await resolveCredentials('pullsecret:argocd/ghcr', { secrets, registryHost: 'quay.io', apiUrl: 'https://quay.io' }), {
      username: 'quay-user',
      password: 'quay-pass',
    });
    await assert.rejects(
      resolveCredentials('pullsecret:argocd/ghcr', { secrets, registryHost: 'gcr.io', apiUrl: 'https://gcr.io' }),
      /credentials pullsecret:argocd\/ghcr: no entry for gcr\.io in the pull secret/,
    );
  });

  it('never matches an auths key by prefix: host and port must be equal', async () => {
    const lookalikes = new FakeSecrets({
      'team/regcred': {
        '.dockerconfigjson': JSON.stringify({
          auths: {
            'harbor.example.com': { auth: base64('harbor-user:harbor-pass') },
            'https://registry.corp:5000/v2/': { auth: base64('corp-user:corp-pass') },
          },
        }),
      },
    });
    const at = (host: string) => ({ secrets: lookalikes, registryHost: host, apiUrl: `https://${host}` });
    for (const host of ['harbor.example.co', 'harbor.example.com.evil.io', 'harbor.example', 'registry.corp', 'registry.corp:500']) {
      await assert.rejects(resolveCredentials('pullsecret:team/regcred', at(host)), /no entry for/, host);
    }
    assert.deepEqual(await resolveCredentials('pullsecret:team/regcred', at('HARBOR.example.com')), { username: 'harbor-user', password: 'harbor-pass' });
    assert.deepEqual(await resolveCredentials('pullsecret:team/regcred', at('registry.corp:5000')), { username: 'corp-user', password: 'corp-pass' });
  });

  it('refuses env: and ext: written in an annotation before reading or running anything', async () => {
    const marker = join(dir, 'ran');
    const spy = await script('spy.sh', `touch ${marker}; echo "u:p"`);
    for (const reference of [`ext:${spy}`, 'env:AWS_SECRET_ACCESS_KEY']) {
      await assert.rejects(
        resolveCredentials(reference, { ...ghcr, env: { AWS_SECRET_ACCESS_KEY: 'x:y' } }, 'annotation'),
        /is accepted only in registries\.conf, not in an annotation/,
      );
    }
    await assert.rejects(access(marker), /ENOENT/, 'the script did not run');
  });

  it('finds Docker Hub under index.docker.io, and accepts username/password fields and .dockercfg', async () => {
    const hub = await resolveCredentials('pullsecret:argocd/hub', { secrets, registryHost: '', apiUrl: 'https://registry-1.docker.io' });
    assert.deepEqual(hub, { username: 'hub-user', password: 'hub-pass' });
    const corp = { secrets, registryHost: 'registry.corp:5000', apiUrl: 'https://registry.corp:5000' };
    assert.deepEqual(await resolveCredentials('pullsecret:argocd/fields', corp), { username: 'corp-user', password: 'corp-pass' });
    assert.deepEqual(await resolveCredentials('pullsecret:argocd/legacy', corp), { username: 'old-user', password: 'old-pass' });
  });

  it('reads secret fields and environment variables as user:password', async () => {
    assert.deepEqual(await resolveCredentials('secret:argocd/plain#creds', ghcr), { username: 'plain-user', password: 'plain-pass' });
    await assert.rejects(resolveCredentials('secret:argocd/plain#bad', ghcr), /field bad is not of the form <username>:<password>/);
    await assert.rejects(resolveCredentials('secret:argocd/plain#missing', ghcr), /secret argocd\/plain has no field missing/);
    await assert.rejects(resolveCredentials('secret:argocd/absent#x', ghcr), /cannot read secret argocd\/absent: secrets "absent" not found/);
    await assert.rejects(resolveCredentials('pullsecret:argocd/broken', ghcr), /field \.dockerconfigjson is not JSON/);

    const env = { GOOD: 'env-user:env-pass', HALF: 'env-user:' };
    assert.deepEqual(await resolveCredentials('env:GOOD', { ...ghcr, env }), { username: 'env-user', password: 'env-pass' });
    await assert.rejects(resolveCredentials('env:HALF', { ...ghcr, env }), /environment variable HALF is not of the form/);
    await assert.rejects(resolveCredentials('env:UNSET', { ...ghcr, env }), /environment variable UNSET is not set/);
  });

  it('runs ext scripts and never shows their output in errors', async () => {
    const good = await script('good.sh', 'echo "ext-user:ext-pass"');
    assert.deepEqual(await resolveCredentials(`ext:${good}`, ghcr), { username: 'ext-user', password: 'ext-pass' });
    const failing = await script('failing.sh', 'echo "leaked-user:leaked-secret"; exit 3');
    await assert.rejects(resolveCredentials(`ext:${failing}`, ghcr), (error: Error) => {
      assert.match(error.message, /script failed \(exit code 3\)/);
      assert.doesNotMatch(error.message, /leaked-secret/);
      return true;
    });
    const twoLines = await script('two-lines.sh', 'echo "user:pass"; echo "AWS_SECRET_ACCESS_KEY=abc"');
    await assert.rejects(resolveCredentials(`ext:${twoLines}`, ghcr), /script output must be a single line <username>:<password>/);
    const chatty = await script('chatty.sh', 'head -c 100000 /dev/zero | tr "\\0" a; echo ":pass"');
    await assert.rejects(resolveCredentials(`ext:${chatty}`, ghcr), /script printed more than 4096 bytes/);
    const noColon = await script('nocolon.sh', 'echo "just-a-token"');
    await assert.rejects(resolveCredentials(`ext:${noColon}`, ghcr), /script output must be a single line <username>:<password>/);
    await assert.rejects(resolveCredentials(`ext:${join(dir, 'missing.sh')}`, ghcr), /cannot run script \(ENOENT\)/);
  });

  it('registers the password so that no log line can print it', async () => {
    await resolveCredentials('env:REGISTERED', { ...ghcr, env: { REGISTERED: 'someone:registered-password-1' } });
    assert.equal(redact('token registered-password-1 leaked'), 'token *** leaked');
  });
});
