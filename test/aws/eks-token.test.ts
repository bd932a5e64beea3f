import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createEksToken } from '../../lib/credentials/eks-token';
import { eksTokenRejection } from '../support/aws/eks-token-verifier';

// AWS's documentation example key pair: not a real credential.
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token==',
};
const SIGNED_AT = new Date('2026-03-14T09:26:53.589Z');
const secrets = (id: string) => (id === CREDENTIALS.accessKeyId ? CREDENTIALS.secretAccessKey : undefined);

function decode(token: string): URL {
  assert.ok(token.startsWith('k8s-aws-v1.'), 'prefix');
  const encoded = token.slice('k8s-aws-v1.'.length);
  assert.match(encoded, /^[A-Za-z0-9_-]+$/, 'base64url without padding');
  return new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

describe('createEksToken', () => {
  it('presigns STS GetCallerIdentity exactly as the EKS authenticator expects', async () => {
    const { token, expiresAt } = await createEksToken({
      clusterName: 'prod',
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: SIGNED_AT,
    });
    const url = decode(token);
    assert.equal(url.protocol, 'https:');
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
    assert.equal(url.pathname, '/');
    const params = [...url.searchParams];
    assert.deepEqual(
      params.map(([name]) => name),
      [
        'Action',
        'Version',
        'X-Amz-Algorithm',
        'X-Amz-Credential',
        'X-Amz-Date',
        'X-Amz-Expires',
        'X-Amz-SignedHeaders',
        'X-Amz-Security-Token',
        'X-Amz-Signature',
      ],
    );
    const get = (name: string) => url.searchParams.get(name);
    assert.equal(get('Action'), 'GetCallerIdentity');
    assert.equal(get('Version'), '2011-06-15');
    assert.equal(get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.equal(get('X-Amz-Credential'), 'AKIDEXAMPLE/20260314/eu-west-1/sts/aws4_request');
    assert.equal(get('X-Amz-Date'), '20260314T092653Z');
    assert.equal(get('X-Amz-Expires'), '60');
    assert.equal(get('X-Amz-SignedHeaders'), 'host;x-k8s-aws-id');
    assert.equal(get('X-Amz-Security-Token'), CREDENTIALS.sessionToken);
    assert.ok(token.length <= 4096);

    // SigV4 recomputed by hand: canonical request, string to sign, signing key.
    const canonicalQuery = params
      .filter(([name]) => name !== 'X-Amz-Signature')
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .sort()
      .join('&');
    const canonicalRequest = [
      'GET',
      '/',
      canonicalQuery,
      'host:sts.eu-west-1.amazonaws.com',
      'x-k8s-aws-id:prod',
      '',
      'host;x-k8s-aws-id',
      createHash('sha256').update('').digest('hex'),
    ].join('\n');
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      '20260314T092653Z',
      '20260314/eu-west-1/sts/aws4_request',
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n');
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, '20260314'), 'eu-west-1'), 'sts'), 'aws4_request');
    assert.equal(get('X-Amz-Signature'), hmac(signingKey, stringToSign).toString('hex'));

    // Valid 15 minutes after X-Amz-Date; reported expired one minute earlier.
    assert.equal(expiresAt.toISOString(), '2026-03-14T09:40:53.000Z');
  });

  it('is accepted by the verifier only for its own cluster, key and lifetime', async () => {
    const { token } = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials: CREDENTIALS, now: SIGNED_AT });
    const expect = (now: Date, clusterName = 'prod') => eksTokenRejection(token, { clusterName, credentials: secrets, now });
    assert.equal(expect(SIGNED_AT), undefined);
    assert.equal(expect(new Date(SIGNED_AT.getTime() + 14 * 60_000)), undefined);
    assert.match(expect(new Date(SIGNED_AT.getTime() + 16 * 60_000)) ?? '', /expired/);
    assert.match(expect(SIGNED_AT, 'staging') ?? '', /signature does not match/);
    assert.match(eksTokenRejection(token, { clusterName: 'prod', credentials: () => 'other', now: SIGNED_AT }) ?? '', /signature/);

    const url = decode(token);
    const reencode = (changed: URL | string) => `k8s-aws-v1.${Buffer.from(String(changed)).toString('base64url')}`;
    const withParam = new URL(url);
    withParam.searchParams.append('X-Amz-User-Agent', 'x');
    assert.match(eksTokenRejection(reencode(withParam), { clusterName: 'prod', credentials: secrets, now: SIGNED_AT }) ?? '', /not allowed/);
    const otherHost = new URL(url);
    otherHost.host = 'sts.eu-west-1.example.com';
    assert.match(eksTokenRejection(reencode(otherHost), { clusterName: 'prod', credentials: secrets, now: SIGNED_AT }) ?? '', /not an STS endpoint/);
    const unsignedHeader = new URL(url);
    unsignedHeader.searchParams.set('X-Amz-SignedHeaders', 'host');
    assert.match(eksTokenRejection(reencode(unsignedHeader), { clusterName: 'prod', credentials: secrets, now: SIGNED_AT }) ?? '', /x-k8s-aws-id/);
    assert.match(eksTokenRejection(`${token}==`, { clusterName: 'prod', credentials: secrets, now: SIGNED_AT }) ?? '', /base64url/);
  });

  it('produces the token `aws eks get-token` produces', async (t) => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)('aws', ['eks', 'get-token', '--cluster-name', 'prod', '--region', 'eu-west-1', '--output', 'json'], { env, timeout: 30_000 }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return t.skip('the aws CLI is not installed: cannot compare with `aws eks get-token`');
      throw error;
    }
    const credential = JSON.parse(stdout) as { status: { token: string; expirationTimestamp: string } };
    const cliToken = credential.status.token;
    const amzDate = decode(cliToken).searchParams.get('X-Amz-Date') ?? '';
    const signedAt = new Date(amzDate.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));

    // The CLI cannot be given a time, so sign ours at the CLI's X-Amz-Date: the tokens must be identical.
    const ours = await createEksToken({ clusterName: 'prod', region: 'eu-west-1', credentials: CREDENTIALS, now: signedAt });
    assert.equal(ours.token, cliToken);
    assert.equal(ours.expiresAt.toISOString().replace('.000Z', 'Z'), credential.status.expirationTimestamp);
    // And the verifier, written independently of both, accepts the CLI's token.
    assert.equal(eksTokenRejection(cliToken, { clusterName: 'prod', credentials: secrets, now: signedAt }), undefined);
  });
});
