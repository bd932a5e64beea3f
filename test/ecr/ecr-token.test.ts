import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ECRPUBLICClient, GetAuthorizationTokenCommand as GetPublicAuthorizationTokenCommand } from '@aws-sdk/client-ecr-public';
import { mockClient } from 'aws-sdk-client-mock';
import type { RegistryEndpoint } from '../../lib/registry/config';
import type { EcrRegistry } from '../../lib/registry/ecr';
import { ecrCredentials, ecrRegistryOf } from '../../lib/registry/ecr';
import { EndpointDirectory } from '../../lib/registry/endpoints';
import { RegistryError } from '../../lib/registry/errors';
import { redact } from '../../lib/report/secrets';
import { RegistryAccess } from '../../lib/resolve/registry-access';
import { Tally, authorizationToken, captureLog, hoursFromNow, noSecrets } from './helpers';

const ecr = mockClient(ECRClient);
const ecrPublic = mockClient(ECRPUBLICClient);

/** Every test has its own account: the token cache lives as long as the module. */
function privateRegistry(accountId: string, region = 'eu-west-1'): EcrRegistry {
  const registry = ecrRegistryOf(`${accountId}.dkr.ecr.${region}.amazonaws.com`);
  assert.ok(registry);
  return registry;
}

function context(deadline?: number) {
  const endpoint: RegistryEndpoint = { name: 'ecr', prefix: '', apiUrl: 'https://ecr.example', insecure: false, isDefault: false, tagSortMode: 'none' };
  return { endpoint, log: captureLog(), counter: new Tally(), deadline };
}

function tokenAnswer(password: string, expiresAt: Date) {
  return { authorizationData: [{ authorizationToken: authorizationToken(password), expiresAt, proxyEndpoint: 'https://ignored' }] };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('ECR authorization tokens', () => {
  beforeEach(() => {
    ecr.reset();
    ecrPublic.reset();
  });

  it('serves two cycles within the validity with one GetAuthorizationToken', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-two-cycles', hoursFromNow(12)));
    const image = { registry: '111111111111.dkr.ecr.eu-west-1.amazonaws.com', name: 'team/app' };
    for (let cycle = 0; cycle < 2; cycle++) {
      const access = new RegistryAccess(new EndpointDirectory([]), noSecrets, new Tally(), captureLog());
      await access.repository(image, undefined);
      await access.repository({ ...image, name: 'team/other' }, undefined);
    }
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 1);
    // The deprecated registryIds is not sent: one token opens every registry the role may read.
    assert.deepEqual(ecr.commandCalls(GetAuthorizationTokenCommand)[0]?.args[0].input, {});
  });

  it('decodes the token into AWS and the password', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-decoded', hoursFromNow(12)));
    assert.deepEqual(await ecrCredentials(privateRegistry('222222222222'), context()), {
      username: 'AWS',
      password: 'password-decoded',
    });
  });

  it('renews a token ten minutes before it expires, then keeps the new one', async () => {
    const registry = privateRegistry('333333333333');
    ecr
      .on(GetAuthorizationTokenCommand)
      .resolvesOnce(tokenAnswer('password-expiring', new Date(Date.now() + 9 * 60_000)))
      .resolves(tokenAnswer('password-renewed', hoursFromNow(12)));
    assert.equal((await ecrCredentials(registry, context()))?.password, 'password-expiring');
    assert.equal((await ecrCredentials(registry, context()))?.password, 'password-renewed');
    assert.equal((await ecrCredentials(registry, context()))?.password, 'password-renewed');
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 2);
  });

  it('keeps a token with more than ten minutes left', async () => {
    const registry = privateRegistry('444444444444');
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-eleven-minutes', new Date(Date.now() + 11 * 60_000)));
    await ecrCredentials(registry, context());
    await ecrCredentials(registry, context());
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 1);
  });

  it('asks again after an expired token', async () => {
    const registry = privateRegistry('455555555555');
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-expired', new Date(Date.now() - 1000)));
    await ecrCredentials(registry, context());
    await ecrCredentials(registry, context());
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 2);
  });

  it('does not keep a failure, and names the IAM action the role lacks', async () => {
    const registry = privateRegistry('555555555555');
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejectsOnce(awsError('AccessDeniedException', 'User is not authorized to perform ecr:GetAuthorizationToken'))
      .resolves(tokenAnswer('password-after-failure', hoursFromNow(12)));
    await assert.rejects(ecrCredentials(registry, context()), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.match(error.message, /GetAuthorizationToken in eu-west-1: AccessDeniedException/);
      assert.match(error.message, /the function's IAM role needs ecr:GetAuthorizationToken/);
      return true;
    });
    assert.equal((await ecrCredentials(registry, context()))?.password, 'password-after-failure');
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 2);
  });

  it('shares one request between concurrent callers', async () => {
    const registry = privateRegistry('666666666666');
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-concurrent', hoursFromNow(12)));
    const answers = await Promise.all([1, 2, 3].map(() => ecrCredentials(registry, context())));
    assert.deepEqual(new Set(answers.map((answer) => answer?.password)), new Set(['password-concurrent']));
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 1);
  });

  it('keeps a token per account and region', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-per-registry', hoursFromNow(12)));
    await ecrCredentials(privateRegistry('777777777777', 'eu-west-1'), context());
    await ecrCredentials(privateRegistry('777777777777', 'us-east-1'), context());
    await ecrCredentials(privateRegistry('777777777778', 'eu-west-1'), context());
    await ecrCredentials(privateRegistry('777777777777', 'eu-west-1'), context());
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 3);
  });

  it('registers the token and the password as secrets and never logs them', async () => {
    const password = 'password-that-must-not-leak';
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer(password, hoursFromNow(12)));
    const run = context();
    await ecrCredentials(privateRegistry('888888888888'), run);
    assert.equal(redact(`x ${password} y`), 'x *** y');
    assert.equal(redact(authorizationToken(password)), '***');
    assert.ok(run.log.lines.length > 0, 'the token fetch is logged');
    assert.ok(!run.log.text().includes(password));
    assert.ok(!run.log.text().includes(authorizationToken(password)));
  });

  it('counts the call as an ECR API request', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves(tokenAnswer('password-counted', hoursFromNow(12)));
    const run = context();
    await ecrCredentials(privateRegistry('999999999999'), run);
    assert.deepEqual(run.counter.byKind, { 'ecr-api': 1 });
  });

  it('makes no call once the deadline has passed', async () => {
    const registry = privateRegistry('101010101010');
    await assert.rejects(ecrCredentials(registry, context(Date.now() - 1)), /GetAuthorizationToken: deadline reached/);
    assert.equal(ecr.commandCalls(GetAuthorizationTokenCommand).length, 0);
  });

  it('refuses an answer without an expiry time', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({ authorizationData: [{ authorizationToken: authorizationToken('password-no-expiry') }] });
    await assert.rejects(ecrCredentials(privateRegistry('121212121212'), context()), /no token with an expiry time/);
  });

  it('refuses a token that is not <user>:<password>', async () => {
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [{ authorizationToken: Buffer.from('no-colon-here').toString('base64'), expiresAt: hoursFromNow(12) }],
    });
    await assert.rejects(ecrCredentials(privateRegistry('131313131313'), context()), /does not decode to <user>:<password>/);
  });

  it('takes the ECR Public token from its own API in us-east-1, and pulls anonymously while it cannot', async () => {
    const registry = ecrRegistryOf('public.ecr.aws');
    assert.ok(registry);
    ecrPublic
      .on(GetPublicAuthorizationTokenCommand)
      .rejectsOnce(awsError('AccessDeniedException', 'not authorized to perform sts:GetServiceBearerToken'))
      .resolves({ authorizationData: { authorizationToken: authorizationToken('public-password'), expiresAt: hoursFromNow(12) } });

    const refused = context();
    assert.equal(await ecrCredentials(registry, refused), undefined);
    assert.deepEqual(
      refused.log.lines.filter((line) => line.level === 'warn').map((line) => line.message),
      ['no ECR Public authorization token: pulling anonymously, at 1 request per second'],
    );
    assert.match(refused.log.text(), /ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken/);

    assert.deepEqual(await ecrCredentials(registry, context()), { username: 'AWS', password: 'public-password' });
    assert.equal(await ecrPublic.call(1).thisValue.config.region(), 'us-east-1');
    assert.equal(ecr.calls().length, 0);
  });
});
