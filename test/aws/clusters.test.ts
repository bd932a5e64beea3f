import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clustersFromEnv } from '../../lib/credentials/clusters';

const ROLE = 'arn:aws:iam::210987654321:role/image-updater';

describe('clustersFromEnv', () => {
  it('reads comma-separated names in AWS_REGION', () => {
    assert.deepEqual(clustersFromEnv({ IMAGE_UPDATER_CLUSTERS: 'prod', AWS_REGION: 'eu-west-1' }), [{ name: 'prod', region: 'eu-west-1' }]);
    assert.deepEqual(clustersFromEnv({ IMAGE_UPDATER_CLUSTERS: ' prod , staging-2 ', AWS_REGION: 'eu-west-1' }), [
      { name: 'prod', region: 'eu-west-1' },
      { name: 'staging-2', region: 'eu-west-1' },
    ]);
  });

  it('reads a JSON array with region, role and external id', () => {
    const value = JSON.stringify([{ name: 'prod', region: 'us-east-2', roleArn: ROLE, externalId: 'shared-id' }, { name: 'dev' }]);
    assert.deepEqual(clustersFromEnv({ IMAGE_UPDATER_CLUSTERS: value, AWS_REGION: 'eu-west-1' }), [
      { name: 'prod', region: 'us-east-2', roleArn: ROLE, externalId: 'shared-id' },
      { name: 'dev', region: 'eu-west-1' },
    ]);
  });

  it('names the variable and the bad value in every error', () => {
    const rejects = (value: string | undefined, reason: RegExp, env: NodeJS.ProcessEnv = { AWS_REGION: 'eu-west-1' }) =>
      assert.throws(
        () => clustersFromEnv({ ...env, IMAGE_UPDATER_CLUSTERS: value }),
        (error: Error) => error.message.startsWith(`IMAGE_UPDATER_CLUSTERS=${JSON.stringify(value?.trim() ?? '')}: `) && reason.test(error.message),
      );
    rejects(undefined, /not set/);
    rejects('  ', /not set/);
    rejects('prod,,dev', /cluster #2: name "" is not an EKS cluster name/);
    rejects('my cluster', /name "my cluster" is not an EKS cluster name/);
    rejects('[{"name":"prod"', /not valid JSON/);
    rejects('[]', /lists no cluster/);
    rejects('[{"name":"prod","role":"x"}]', /cluster #1: Unrecognized key: "role"/);
    rejects('[{"name":"prod","roleArn":"arn:aws:iam::1:user/x"}]', /roleArn "arn:aws:iam::1:user\/x" is not an IAM role ARN/);
    rejects('[{"name":"prod","region":"Ireland"}]', /region "Ireland" is not an AWS region/);
    rejects('prod,prod', /listed twice/);
    rejects('prod', /no region and AWS_REGION is not set/, {});
  });
});
