import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateClusterCommand, DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { clusterKubeConfig } from '../../lib/credentials/eks-cluster';
import { verifyEksToken } from '../support/aws/eks-token-verifier';
import { MOTO_CREDENTIALS, startMoto, type Moto } from '../support/aws/moto';

const CREDENTIALS = { accessKeyId: 'AKIAEXAMPLECACHE0001', secretAccessKey: 'cache-test-secret' };
const OTHER_ACCOUNT_ROLE = 'arn:aws:iam::210987654321:role/image-updater';

function tokenOf(kubeConfig: Awaited<ReturnType<typeof clusterKubeConfig>>): string {
  const token = kubeConfig.getCurrentUser()?.token;
  assert.ok(token, 'the kubeconfig user carries a bearer token');
  return token;
}

function tokenAccessKey(token: string): string | undefined {
  const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString());
  return url.searchParams.get('X-Amz-Credential')?.split('/')[0];
}

describe('clusterKubeConfig against moto_server', () => {
  let moto: Moto;
  let created: { endpoint: string; ca: string };

  before(async () => {
    moto = await startMoto();
    const eks = new EKSClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    const { cluster } = await eks.send(
      new CreateClusterCommand({ name: 'prod', roleArn: 'arn:aws:iam::123456789012:role/eks', resourcesVpcConfig: { subnetIds: [] } }),
    );
    created = { endpoint: cluster?.endpoint ?? '', ca: cluster?.certificateAuthority?.data ?? '' };

    // A cluster in another account, visible only to the role assumed there.
    const sts = new STSClient({ region: 'eu-west-1', endpoint: moto.endpoint, credentials: MOTO_CREDENTIALS });
    const { Credentials: assumed } = await sts.send(new AssumeRoleCommand({ RoleArn: OTHER_ACCOUNT_ROLE, RoleSessionName: 'setup' }));
    const otherAccount = new EKSClient({
      region: 'eu-west-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: assumed?.AccessKeyId ?? '', secretAccessKey: assumed?.SecretAccessKey ?? '', sessionToken: assumed?.SessionToken },
    });
    await otherAccount.send(
      new CreateClusterCommand({ name: 'partner', roleArn: 'arn:aws:iam::210987654321:role/eks', resourcesVpcConfig: { subnetIds: [] } }),
    );
  });
  after(() => moto?.stop());

  it('builds the kubeconfig from DescribeCluster and a token EKS accepts', async () => {
    const now = new Date();
    const kubeConfig = await clusterKubeConfig({ name: 'prod', region: 'eu-west-1' }, { credentials: MOTO_CREDENTIALS, awsEndpoint: moto.endpoint, now });
    assert.ok(created.endpoint.startsWith('https://'));
    assert.equal(kubeConfig.getCurrentCluster()?.server, created.endpoint);
    assert.equal(kubeConfig.getCurrentCluster()?.caData, created.ca);
    assert.equal(kubeConfig.getCurrentCluster()?.skipTLSVerify, false);
    const secrets = (id: string) => (id === MOTO_CREDENTIALS.accessKeyId ? MOTO_CREDENTIALS.secretAccessKey : undefined);
    assert.ok(verifyEksToken(tokenOf(kubeConfig), { clusterName: 'prod', credentials: secrets, now }));
  });

  it('assumes the configured role for a cluster in another account', async () => {
    const partner = { name: 'partner', region: 'eu-west-1' };
    await assert.rejects(clusterKubeConfig(partner, { credentials: MOTO_CREDENTIALS, awsEndpoint: moto.endpoint }), (error: Error) => {
      assert.match(error.message, /^cluster partner in eu-west-1: DescribeCluster failed: No cluster found/);
      return true;
    });

    const kubeConfig = await clusterKubeConfig(
      { ...partner, roleArn: OTHER_ACCOUNT_ROLE, externalId: 'shared-secret' },
      { credentials: MOTO_CREDENTIALS, awsEndpoint: moto.endpoint },
    );
    const token = tokenOf(kubeConfig);
    assert.match(tokenAccessKey(token) ?? '', /^ASIA/, 'signed with the assumed role session');
    assert.notEqual(tokenAccessKey(token), MOTO_CREDENTIALS.accessKeyId);
    assert.match(kubeConfig.getCurrentCluster()?.server ?? '', /^https:\/\//);
  });
});

describe('clusterKubeConfig cache', () => {
  let eks: AwsClientStub<EKSClient>;
  before(() => {
    eks = mockClient(EKSClient);
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'cached', endpoint: 'https://cached.example.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' }, status: 'ACTIVE' },
    });
  });
  after(() => eks.restore());

  it('reuses endpoint, CA and token while valid and renews them after 14 minutes', async () => {
    const cluster = { name: 'cached', region: 'us-east-1' };
    const start = new Date('2026-05-01T12:00:00Z');
    const at = (minutes: number) => ({ credentials: CREDENTIALS, now: new Date(start.getTime() + minutes * 60_000) });

    const first = await clusterKubeConfig(cluster, at(0));
    const second = await clusterKubeConfig(cluster, at(13.9));
    assert.equal(eks.commandCalls(DescribeClusterCommand).length, 1);
    assert.equal(tokenOf(second), tokenOf(first));

    const renewed = await clusterKubeConfig(cluster, at(14));
    assert.equal(eks.commandCalls(DescribeClusterCommand).length, 2);
    assert.notEqual(tokenOf(renewed), tokenOf(first));
    const secrets = () => CREDENTIALS.secretAccessKey;
    assert.ok(verifyEksToken(tokenOf(renewed), { clusterName: 'cached', credentials: secrets, now: at(28).now }));
    assert.equal(verifyEksToken(tokenOf(first), { clusterName: 'cached', credentials: secrets, now: at(16).now }), false);
  });

  it('does not cache a failure', async () => {
    const cluster = { name: 'flaky', region: 'us-east-1' };
    eks.on(DescribeClusterCommand, { name: 'flaky' }).rejectsOnce(new Error('Rate exceeded')).resolves({
      cluster: { endpoint: 'https://flaky.example.eks.amazonaws.com', certificateAuthority: { data: 'Q0E=' } },
    });
    await assert.rejects(clusterKubeConfig(cluster, { credentials: CREDENTIALS }), /^Error: cluster flaky in us-east-1: DescribeCluster failed: Rate exceeded$/);
    const kubeConfig = await clusterKubeConfig(cluster, { credentials: CREDENTIALS });
    assert.equal(kubeConfig.getCurrentCluster()?.server, 'https://flaky.example.eks.amazonaws.com');
  });

  it('refuses a cluster without endpoint (still creating)', async () => {
    eks.on(DescribeClusterCommand, { name: 'creating' }).resolves({ cluster: { status: 'CREATING' } });
    await assert.rejects(clusterKubeConfig({ name: 'creating', region: 'us-east-1' }, { credentials: CREDENTIALS }), /no endpoint or CA \(status CREATING\)/);
  });
});
