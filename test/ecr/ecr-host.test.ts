import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecrRegistryOf } from '../../lib/registry/ecr';

describe('ecrRegistryOf', () => {
  it('reads account and region from a private registry host', () => {
    assert.deepEqual(ecrRegistryOf('123456789012.dkr.ecr.eu-west-1.amazonaws.com'), {
      kind: 'private',
      host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      accountId: '123456789012',
      region: 'eu-west-1',
      fips: false,
      dualStack: false,
    });
  });

  it('knows FIPS endpoints', () => {
    assert.deepEqual(ecrRegistryOf('123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com'), {
      kind: 'private',
      host: '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      accountId: '123456789012',
      region: 'us-gov-west-1',
      fips: true,
      dualStack: false,
    });
  });

  for (const [host, region, fips, dualStack] of [
    ['123456789012.dkr-ecr.eu-west-1.on.aws', 'eu-west-1', false, true],
    ['123456789012.dkr-ecr-fips.us-east-1.on.aws', 'us-east-1', true, true],
    ['210987654321.dkr-ecr.cn-north-1.on.amazonwebservices.com.cn', 'cn-north-1', false, true],
    ['123456789012.dkr.ecr.eusc-de-east-1.amazonaws.eu', 'eusc-de-east-1', false, false],
    ['123456789012.dkr.ecr.us-iso-east-1.c2s.ic.gov', 'us-iso-east-1', false, false],
    ['123456789012.dkr.ecr.us-isob-east-1.sc2s.sgov.gov', 'us-isob-east-1', false, false],
    ['123456789012.dkr.ecr.eu-isoe-west-1.cloud.adc-e.uk', 'eu-isoe-west-1', false, false],
    ['123456789012.dkr.ecr.us-isof-south-1.csp.hci.ic.gov', 'us-isof-south-1', false, false],
  ] as const) {
    it(`knows ${host}`, () => {
      assert.deepEqual(ecrRegistryOf(host), { kind: 'private', host, accountId: host.slice(0, 12), region, fips, dualStack });
    });
  }

  it('knows the China partition', () => {
    const registry = ecrRegistryOf('210987654321.dkr.ecr.cn-northwest-1.amazonaws.com.cn');
    assert.equal(registry?.kind, 'private');
    assert.equal(registry?.kind === 'private' && registry.accountId, '210987654321');
    assert.equal(registry?.region, 'cn-northwest-1');
  });

  it('takes ECR Public to us-east-1', () => {
    assert.deepEqual(ecrRegistryOf('public.ecr.aws'), { kind: 'public', host: 'public.ecr.aws', region: 'us-east-1' });
  });

  it('ignores the case of the host, as DNS does', () => {
    assert.equal(ecrRegistryOf('123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM')?.region, 'eu-west-1');
    assert.equal(ecrRegistryOf('Public.ECR.aws')?.kind, 'public');
  });

  for (const host of [
    '',
    'ghcr.io',
    'docker.io',
    '12345.dkr.ecr.eu-west-1.amazonaws.com',
    '1234567890123.dkr.ecr.eu-west-1.amazonaws.com',
    'dkr.ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com:443',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com.example.com',
    'registry.123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.amazonaws.com',
    '123456789012.dkr.ecr.eu-west.amazonaws.com',
    '123456789012.dkr.ecr-fipsx.us-east-1.amazonaws.com',
    'public.ecr.aws.example.com',
    '123456789012.dkr-ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.eu-west-1.on.aws',
    '123456789012.dkr.ecr.eu-west-1.example.com',
    '123456789012.dkr-ecr.eu-west-1.on.aws.example.com',
    'ecr.aws',
  ]) {
    it(`is not fooled by ${JSON.stringify(host)}`, () => {
      assert.equal(ecrRegistryOf(host), undefined);
    });
  }
});
