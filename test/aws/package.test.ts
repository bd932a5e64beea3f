// `serverless package` (osls + serverless-esbuild) offline, then the CloudFormation template it
// writes: schedule, limits, IAM scope, access entry, alarms, logs, dashboard, and cfn-lint.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { MOTO_CREDENTIALS, startMoto } from '../support/aws/moto';
import { cosignKeys } from '../support/registry';

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE_TIMEOUT_MS = 90_000;
const STAGE = 'ci';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  Condition?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
interface Packaged {
  dir: string;
  template: Template;
  zip: string;
  output: string;
}

/** True when this process may create a network namespace: the package then runs with no network. */
const offlineRunner = (() => {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Packages the service from a private copy of the service directory, so parallel runs don't collide. */
async function packageService(params: string[]): Promise<Packaged> {
  const dir = mkdtempSync(join(tmpdir(), 'image-updater-package-'));
  for (const entry of ['lib', 'functions', 'infra', 'node_modules', 'package.json', 'tsconfig.json']) {
    symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  copyFileSync(join(ROOT, 'serverless.yml'), join(dir, 'serverless.yml')); // osls wants a real file
  // The team's cosign key, as an operator would put it in the service folder (the cosignPublicKey param).
  mkdirSync(join(dir, 'config'));
  writeFileSync(join(dir, 'config/cosign.pub'), cosignKeys().publicKeyPem);
  mkdirSync(join(dir, 'home'));
  const artifact = join(dir, 'artifact');
  const command = [
    process.execPath,
    join(ROOT, 'node_modules/osls/bin/serverless.js'),
    'package',
    '--stage',
    STAGE,
    '--package',
    artifact,
    ...params.map((param) => `--param=${param}`),
  ];
  const env = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ACCESS_KEY_ID: 'AKIAPACKAGETEST00001',
    AWS_SECRET_ACCESS_KEY: 'package-test-secret',
    AWS_REGION: 'eu-west-1',
  };
  const [file, ...args] = offlineRunner ? ['unshare', '-n', ...command] : command;
  const output = await new Promise<string>((done, fail) => {
    execFile(file!, args, { cwd: dir, env, timeout: PACKAGE_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const text = `${stdout}${stderr}`;
      if (error) fail(new Error(`serverless package ${params.join(' ')} failed (${error.message.split('\n')[0]}):\n${text}`));
      else done(text);
    });
  });
  return {
    dir,
    output,
    template: JSON.parse(readFileSync(join(artifact, 'cloudformation-template-update-stack.json'), 'utf8')) as Template,
    zip: join(artifact, 'image-updater.zip'),
  };
}

function ofType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

function only(template: Template, type: string): Resource {
  const found = ofType(template, type);
  assert.equal(found.length, 1, `one ${type}`);
  return found[0]![1];
}

function statements(template: Template): Statement[] {
  const role = template.Resources.IamRoleLambdaExecution;
  assert.ok(role, 'the function role');
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

const actions = (statement: Statement) => [statement.Action].flat();
const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:image-updater/webhooks-AbCdEf';

/** The function of `handler` (the update function, or the registry webhook). */
function functionOf(template: Template, handler: string): [string, Resource] {
  const found = ofType(template, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Handler === handler);
  assert.equal(found.length, 1, `one function ${handler}`);
  return found[0]!;
}
const environment = (fn: Resource) => (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;

describe('serverless package', { timeout: 2 * PACKAGE_TIMEOUT_MS }, () => {
  let defaults: Packaged;
  let configured: Packaged;
  let grouped: Packaged;

  before(async () => {
    if (!offlineRunner) console.log('# unshare -n is not permitted here: packaging runs with the network available');
    [defaults, configured, grouped] = await Promise.all([
      packageService(['clusterName=prod']),
      packageService([
        'clusters=[{"name":"partner","region":"us-east-2","roleArn":"arn:aws:iam::210987654321:role/image-updater"}]',
        'assumeRoleArns=arn:aws:iam::210987654321:role/image-updater',
        'ecrRepositoryArns=arn:aws:ecr:eu-west-1:123456789012:repository/team-a/*',
        'schedule=rate(5 minutes)',
        'enabled=false',
        'dryRun=true',
        'healthGate=true',
        'eventBus=deployments',
        'gitCommitUser=release-bot',
        'secretNamespaces=registry-creds',
        'allowedRegistries=ghcr.io,*.example.com',
        'logRetentionInDays=30',
        'subnetIds=subnet-0123456789abcdef0,subnet-0fedcba9876543210',
        'securityGroupIds=sg-0123456789abcdef0',
        'alarmTopicArn=arn:aws:sns:eu-west-1:123456789012:alerts',
        'registriesConf=infra/registries.conf.example',
        'cosignPublicKey=config/cosign.pub',
      ]),
      packageService([
        'clusterName=eu-1',
        'clusters=eu-1,eu-2,us-1',
        'describeClusterArns=arn:aws:eks:eu-west-1:123456789012:cluster/eu-2,arn:aws:eks:us-east-1:123456789012:cluster/us-1',
        'clusterGroups=[["eu-1","eu-2"],["us-1"]]',
        'pushEvents=true',
        'webhooks=true',
        `webhookSecretArn=${WEBHOOK_SECRET_ARN}`,
      ]),
    ]);
  });
  after(() => {
    for (const run of [defaults, configured, grouped]) if (run) rmSync(run.dir, { recursive: true, force: true });
  });

  it('gives each cluster group its own schedule naming its clusters, and one concurrent run per group', () => {
    const all = ofType(grouped.template, 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
    const rules = all.filter((rule) => rule.ScheduleExpression !== undefined);
    assert.equal(rules.length, 2);
    const inputs = rules.map((rule) => {
      assert.equal(rule.ScheduleExpression, 'rate(1 minute)');
      const [target] = rule.Targets as { InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
      assert.deepEqual(target?.InputTransformer.InputPathsMap, { time: '$.time' });
      // What EventBridge delivers: the template with the event's time put in as a JSON string.
      return JSON.parse(target!.InputTransformer.InputTemplate.replace('<time>', '"2026-12-01T12:00:00Z"')) as Record<string, unknown>;
    });
    assert.deepEqual(
      inputs.map((input) => input.clusters),
      [['eu-1', 'eu-2'], ['us-1']],
    );
    assert.ok(inputs.every((input) => input.source === 'aws.events' && input.time === '2026-12-01T12:00:00Z'));
    const [, fn] = functionOf(grouped.template, 'functions/update-images.handler');
    assert.equal(fn.Properties.ReservedConcurrentExecutions, 2);
    assert.equal(environment(fn).IMAGE_UPDATER_CLUSTERS, 'eu-1,eu-2,us-1');
  });

  it('with pushEvents, one more rule invokes the function on successful ECR pushes, for every cluster', () => {
    const push = ofType(grouped.template, 'AWS::Events::Rule')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => (rule.EventPattern as { source?: string[] } | undefined)?.source?.includes('aws.ecr'));
    assert.equal(push.length, 1);
    assert.deepEqual(push[0]?.EventPattern, {
      source: ['aws.ecr'],
      'detail-type': ['ECR Image Action'],
      detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
    });
    const [target] = push[0]?.Targets as { Input?: unknown; InputTransformer?: unknown }[];
    assert.equal(target?.InputTransformer, undefined, 'the event as ECR sends it: the handler reads it');
    assert.equal(ofType(defaults.template, 'AWS::Events::Rule').length, 1, 'off by default');
  });

  it('with webhooks, a Function URL function with its own narrow role hands registry pushes to the update function', () => {
    const [webhookId, webhook] = functionOf(grouped.template, 'functions/registry-webhook.handler');
    assert.deepEqual(webhook.Properties.Role, { 'Fn::Sub': '${RegistryWebhookRole.Arn}' });
    assert.equal(environment(webhook).IMAGE_UPDATER_WEBHOOK_SECRET, WEBHOOK_SECRET_ARN);
    assert.equal(webhook.Properties.ReservedConcurrentExecutions, 5);
    // Open to the providers (every call is verified in code), for this function only.
    const url = only(grouped.template, 'AWS::Lambda::Url');
    assert.equal(url.Properties.AuthType, 'NONE');
    assert.deepEqual(url.Properties.TargetFunctionArn, { 'Fn::GetAtt': [webhookId, 'Arn'] });
    assert.match(JSON.stringify(grouped.template.Outputs), /FunctionUrl/);
    const publicPermissions = ofType(grouped.template, 'AWS::Lambda::Permission').filter(([, permission]) => permission.Properties.Principal === '*');
    assert.ok(publicPermissions.length > 0 && publicPermissions.every(([, permission]) => JSON.stringify(permission.Properties.FunctionName).includes(webhookId)));

    // The role: its own logs, its secret, PutEvents of registry pushes on the default bus. Nothing else.
    const role = grouped.template.Resources.RegistryWebhookRole!;
    const granted = (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((policy) => policy.PolicyDocument.Statement);
    assert.deepEqual(granted.flatMap(actions).sort(), ['events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:GetSecretValue']);
    const putEvents = granted.find((statement) => actions(statement).includes('events:PutEvents'));
    assert.deepEqual(putEvents?.Resource, [{ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' }]);
    assert.deepEqual(putEvents?.Condition, { StringEquals: { 'events:source': ['image-updater.registry-push'] } });
    assert.deepEqual(granted.find((statement) => actions(statement).includes('secretsmanager:GetSecretValue'))?.Resource, [WEBHOOK_SECRET_ARN]);

    // The update function's rule for those pushes, on the default bus.
    const rules = ofType(grouped.template, 'AWS::Events::Rule').map(([, rule]) => rule.Properties);
    const registryPush = rules.filter((rule) => JSON.stringify(rule.EventPattern ?? {}).includes('image-updater.registry-push'));
    assert.equal(registryPush.length, 1);
    assert.deepEqual(registryPush[0]?.EventPattern, { source: ['image-updater.registry-push'], 'detail-type': ['Registry Push'] });
    assert.equal(registryPush[0]?.EventBusName, undefined, 'the default bus');
    const [target] = registryPush[0]?.Targets as { Arn: unknown }[];
    assert.deepEqual(target?.Arn, { 'Fn::GetAtt': [functionOf(grouped.template, 'functions/update-images.handler')[0], 'Arn'] });

    // Off by default: no second function, no URL, no role, no rule.
    for (const run of [defaults, configured]) {
      assert.equal(ofType(run.template, 'AWS::Lambda::Function').length, 1);
      assert.equal(ofType(run.template, 'AWS::Lambda::Url').length, 0);
      assert.equal(run.template.Resources.RegistryWebhookRole, undefined);
      assert.ok(!JSON.stringify(run.template).includes('image-updater.registry-push'));
    }
  });

  it('schedules the function every minute by default, switchable and configurable by param', () => {
    const rule = only(defaults.template, 'AWS::Events::Rule');
    assert.equal(rule.Properties.ScheduleExpression, 'rate(1 minute)');
    assert.equal(rule.Properties.State, 'ENABLED');
    assert.equal(environment(only(defaults.template, 'AWS::Lambda::Function')).IMAGE_UPDATER_SCHEDULE_MINUTES, '1');

    const changed = only(configured.template, 'AWS::Events::Rule');
    assert.equal(changed.Properties.ScheduleExpression, 'rate(5 minutes)');
    assert.equal(changed.Properties.State, 'DISABLED');
    assert.equal(environment(only(configured.template, 'AWS::Lambda::Function')).IMAGE_UPDATER_SCHEDULE_MINUTES, '5');
  });

  it('runs one invocation at a time, within the period, on nodejs22.x arm64 with JSON logs', () => {
    const fn = only(defaults.template, 'AWS::Lambda::Function');
    const { Timeout, ReservedConcurrentExecutions, Runtime, Architectures, MemorySize, LoggingConfig, Handler } = fn.Properties;
    assert.ok(typeof Timeout === 'number' && Timeout < 60, `timeout ${Timeout} s below the 1-minute period`);
    assert.equal(ReservedConcurrentExecutions, 1);
    assert.match(String(Runtime), /^nodejs(\d+)\.x$/);
    assert.ok(Number(/\d+/.exec(String(Runtime))?.[0]) >= 22);
    assert.deepEqual(Architectures, ['arm64']);
    assert.equal(MemorySize, 256);
    assert.equal(Handler, 'functions/update-images.handler');
    assert.deepEqual(LoggingConfig, { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' });
    assert.equal(fn.Properties.VpcConfig, undefined);
    const asyncConfig = only(defaults.template, 'AWS::Lambda::EventInvokeConfig');
    assert.equal(asyncConfig.Properties.MaximumRetryAttempts, 0);

    assert.deepEqual(environment(fn), {
      IMAGE_UPDATER_CLUSTERS: 'prod',
      IMAGE_UPDATER_DRY_RUN: 'false',
      IMAGE_UPDATER_HEALTH_GATE: 'false',
      IMAGE_UPDATER_EVENT_BUS: '',
      IMAGE_UPDATER_LOG_LEVEL: 'INFO',
      IMAGE_UPDATER_APPLICATION_NAMESPACE: '',
      IMAGE_UPDATER_MATCH_APPLICATION_NAME: '',
      IMAGE_UPDATER_MATCH_APPLICATION_LABEL: '',
      IMAGE_UPDATER_PLATFORMS: '',
      IMAGE_UPDATER_SCHEDULE_MINUTES: '1',
      IMAGE_UPDATER_SECRET_NAMESPACES: '',
      IMAGE_UPDATER_ALLOWED_REGISTRIES: '',
      IMAGE_UPDATER_REGISTRIES_CONF: '',
      IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE: '',
      IMAGE_UPDATER_ARGOCD_NAMESPACE: 'argocd',
      IMAGE_UPDATER_GIT_COMMIT_USER: '',
      IMAGE_UPDATER_GIT_COMMIT_EMAIL: '',
      IMAGE_UPDATER_GIT_COMMIT_MESSAGE_TEMPLATE: '',
      IMAGE_UPDATER_GITHUB_API_URL: '',
      IMAGE_UPDATER_GITLAB_API_URL: '',
      POWERTOOLS_SERVICE_NAME: `image-updater-${STAGE}`,
      POWERTOOLS_METRICS_NAMESPACE: 'ImageUpdater',
    });
    const configuredFn = only(configured.template, 'AWS::Lambda::Function');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_DRY_RUN, 'true');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_HEALTH_GATE, 'true');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_EVENT_BUS, 'deployments');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_GIT_COMMIT_USER, 'release-bot');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_SECRET_NAMESPACES, 'registry-creds');
    assert.equal(environment(configuredFn).IMAGE_UPDATER_ALLOWED_REGISTRIES, 'ghcr.io,*.example.com');
    assert.deepEqual(configuredFn.Properties.VpcConfig, {
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      SecurityGroupIds: ['sg-0123456789abcdef0'],
    });
  });

  it('grants DescribeCluster on the configured cluster only, and nothing wider than needed', () => {
    const granted = statements(defaults.template);
    for (const statement of granted) {
      assert.equal(statement.Effect, 'Allow');
      for (const action of actions(statement)) assert.doesNotMatch(action, /\*/, `no wildcard action (${action})`);
    }
    const describe = granted.filter((statement) => actions(statement).includes('eks:DescribeCluster'));
    assert.equal(describe.length, 1);
    assert.deepEqual(describe[0]!.Resource, [{ 'Fn::Sub': 'arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/prod' }]);
    assert.ok(granted.every((statement) => !actions(statement).some((action) => action.startsWith('eks:') && action !== 'eks:DescribeCluster')));
    assert.ok(!granted.some((statement) => actions(statement).includes('sts:AssumeRole')), 'no AssumeRole without roles');
    assert.ok(!granted.some((statement) => actions(statement).includes('events:PutEvents')), 'no PutEvents without an event bus');

    // Only actions without resource-level scope get '*'; the bearer token is limited to ECR Public.
    const unscoped = granted.filter((statement) => statement.Resource === '*' || JSON.stringify(statement.Resource) === '["*"]');
    assert.deepEqual(unscoped.flatMap(actions).sort(), ['ecr-public:GetAuthorizationToken', 'ecr:GetAuthorizationToken', 'sts:GetServiceBearerToken']);
    const bearer = unscoped.find((statement) => actions(statement).includes('sts:GetServiceBearerToken'));
    assert.deepEqual(bearer?.Condition, { StringEquals: { 'sts:AWSServiceName': 'ecr-public.amazonaws.com' } });
    const ecrRead = granted.find((statement) => actions(statement).includes('ecr:BatchGetImage'));
    assert.deepEqual(actions(ecrRead!).sort(), ['ecr:BatchGetImage', 'ecr:DescribeImages', 'ecr:GetDownloadUrlForLayer', 'ecr:ListImages']);
    assert.deepEqual(ecrRead!.Resource, [{ 'Fn::Sub': 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*' }]);
    for (const statement of granted.filter((s) => actions(s).some((a) => a.startsWith('logs:')))) {
      assert.match(JSON.stringify(statement.Resource), new RegExp(`log-group:/aws/lambda/image-updater-${STAGE}`));
    }

    const crossAccount = statements(configured.template);
    assert.ok(!crossAccount.some((statement) => actions(statement).includes('eks:DescribeCluster')), 'no cluster of its own: no DescribeCluster');
    const assume = crossAccount.filter((statement) => actions(statement).includes('sts:AssumeRole'));
    assert.deepEqual([assume[0]?.Resource].flat(), ['arn:aws:iam::210987654321:role/image-updater']);
    const putEvents = crossAccount.filter((statement) => actions(statement).includes('events:PutEvents'));
    assert.deepEqual(putEvents.map((statement) => statement.Resource), [[{ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/deployments' }]]);
    const scopedEcr = crossAccount.find((statement) => actions(statement).includes('ecr:BatchGetImage'));
    assert.deepEqual([scopedEcr?.Resource].flat(), ['arn:aws:ecr:eu-west-1:123456789012:repository/team-a/*']);
    const role = configured.template.Resources.IamRoleLambdaExecution!;
    assert.match(JSON.stringify(role.Properties.ManagedPolicyArns), /AWSLambdaVPCAccessExecutionRole/);
  });

  it('maps the function role to the Kubernetes group image-updater with an access entry', () => {
    const entry = only(defaults.template, 'AWS::EKS::AccessEntry');
    assert.deepEqual(entry.Properties, {
      ClusterName: 'prod',
      PrincipalArn: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] },
      Type: 'STANDARD',
      KubernetesGroups: ['image-updater'],
    });
    assert.equal(ofType(configured.template, 'AWS::EKS::AccessEntry').length, 0, 'no cluster in this account: no access entry');

    // infra/kubernetes/rbac.yaml binds that group, and grants it only what the cycle calls.
    const documents = parseAllDocuments(readFileSync(join(ROOT, 'infra/kubernetes/rbac.yaml'), 'utf8')).map(
      (document) => document.toJS() as { kind: string; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[]; subjects?: { kind: string; name: string }[] },
    );
    const clusterRole = documents.find((document) => document.kind === 'ClusterRole');
    assert.deepEqual(clusterRole?.rules?.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs })), [
      { apiGroups: ['argoproj.io'], resources: ['applications'], verbs: ['get', 'list', 'patch'] },
      { apiGroups: ['argocd-image-updater.argoproj.io'], resources: ['imageupdaters'], verbs: ['get', 'list'] },
      { apiGroups: ['argocd-image-updater.argoproj.io'], resources: ['imageupdaters/status'], verbs: ['update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    for (const binding of documents.filter((document) => document.kind.endsWith('Binding'))) {
      assert.deepEqual(binding.subjects?.map(({ kind, name }) => ({ kind, name })), [{ kind: 'Group', name: 'image-updater' }]);
    }
    // Pull and git secrets by name; Argo CD's repository secrets (git repocreds) listed in its namespace.
    const roles = documents.filter((document) => document.kind === 'Role').map((role) => role.rules?.map(({ resources, verbs }) => ({ resources, verbs })));
    assert.deepEqual(roles, [[{ resources: ['secrets'], verbs: ['get'] }], [{ resources: ['secrets'], verbs: ['list'] }]]);
  });

  it('alarms on function errors and on cycle errors, keeps logs 14 days, saves the two queries', () => {
    const alarms = ofType(defaults.template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const functionErrors = alarms.find((alarm) => alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === 'Errors');
    assert.ok(functionErrors, 'an alarm on the function Errors metric');
    assert.deepEqual(functionErrors.Dimensions, [{ Name: 'FunctionName', Value: { Ref: 'UpdateImagesLambdaFunction' } }]);
    const cycleErrors = alarms.find((alarm) => JSON.stringify(alarm.Metrics ?? '').includes('SUM(Errors) FROM SCHEMA(ImageUpdater'));
    assert.ok(cycleErrors, 'an alarm on the cycle Errors EMF metric');
    assert.match(JSON.stringify(cycleErrors.Metrics), new RegExp(`service = 'image-updater-${STAGE}'`));
    assert.deepEqual(functionErrors.AlarmActions, []);
    const configuredAlarms = ofType(configured.template, 'AWS::CloudWatch::Alarm');
    for (const [, alarm] of configuredAlarms) assert.deepEqual(alarm.Properties.AlarmActions, ['arn:aws:sns:eu-west-1:123456789012:alerts']);

    assert.equal(only(defaults.template, 'AWS::Logs::LogGroup').Properties.RetentionInDays, 14);
    assert.equal(only(configured.template, 'AWS::Logs::LogGroup').Properties.RetentionInDays, 30);
    const queries = ofType(defaults.template, 'AWS::Logs::QueryDefinition').map(([, query]) => query.Properties);
    assert.deepEqual(queries.map((query) => query.Name).sort(), ['image-updater: what failed', 'image-updater: what was updated']);
    for (const query of queries) assert.deepEqual(query.LogGroupNames, [{ Ref: 'UpdateImagesLogGroup' }]);
  });

  it('draws a dashboard of applications, updates, errors, duration and registry requests', () => {
    const dashboard = only(defaults.template, 'AWS::CloudWatch::Dashboard');
    const [body, variables] = (dashboard.Properties.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] })['Fn::Sub'];
    assert.deepEqual(Object.keys(variables).sort(), ['Function', 'LogGroup', 'Service']);
    const rendered = body.replace(/\$\{[^}]+\}/g, 'x');
    const widgets = (JSON.parse(rendered) as { widgets: { properties: { title: string } }[] }).widgets;
    const titles = widgets.map((widget) => widget.properties.title.toLowerCase()).join(' | ');
    for (const topic of ['applications', 'updated', 'errors', 'duration', 'registry requests']) assert.ok(titles.includes(topic), `a ${topic} widget`);
    for (const metric of ['Applications', 'ImagesUpdated', 'Errors', 'CycleDuration', 'RegistryRequests']) assert.ok(body.includes(`(${metric})`), metric);
  });

  it('passes cfn-lint', async (t) => {
    for (const run of [defaults, configured, grouped]) {
      const template = join(run.dir, 'artifact/cloudformation-template-update-stack.json');
      const result = await new Promise<{ missing: boolean; code: number; output: string }>((done) => {
        execFile('cfn-lint', [template], { timeout: 60_000 }, (error, stdout, stderr) => {
          const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
          done({ missing, code: error ? Number((error as { code?: unknown }).code) || 1 : 0, output: `${stdout}${stderr}` });
        });
      });
      if (result.missing) return t.skip('cfn-lint is not installed');
      assert.equal(result.code, 0, result.output);
    }
  });

  it('bundles one ESM handler that runs and calls EKS with its own copy of the AWS SDK', async (t) => {
    const size = statSync(defaults.zip).size;
    t.diagnostic(`bundled function zip: ${size} bytes (${(size / 1024 / 1024).toFixed(2)} MiB)`);
    assert.ok(size < 10 * 1024 * 1024, `zip of ${size} bytes stays small`);
    const listing = execFileSync('unzip', ['-Z1', defaults.zip], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(listing, ['functions/update-images.mjs']);
    // A registries.conf and a cosign public key named by the params travel with the function, and the function is told where.
    const configuredListing = execFileSync('unzip', ['-Z1', configured.zip], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(configuredListing.sort(), ['config/cosign.pub', 'functions/update-images.mjs', 'infra/registries.conf.example']);
    const withWebhooks = execFileSync('unzip', ['-Z1', grouped.zip], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(withWebhooks.sort(), ['functions/registry-webhook.mjs', 'functions/update-images.mjs']);
    // The bundled webhook runs: without its secret setting it refuses the call.
    const webhookDir = join(grouped.dir, 'unpacked');
    execFileSync('unzip', ['-q', grouped.zip, '-d', webhookDir]);
    const webhook = (await import(pathToFileURL(join(webhookDir, 'functions/registry-webhook.mjs')).href)) as {
      handler(event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<{ statusCode: number }>;
    };
    const call = { rawPath: '/quay', headers: {}, requestContext: { http: { method: 'POST' } }, body: '{}', isBase64Encoded: false };
    assert.equal((await webhook.handler(call, { getRemainingTimeInMillis: () => 10_000 })).statusCode, 401);
    assert.equal(
      environment(only(configured.template, 'AWS::Lambda::Function')).IMAGE_UPDATER_REGISTRIES_CONF,
      '/var/task/infra/registries.conf.example',
    );
    assert.equal(environment(only(configured.template, 'AWS::Lambda::Function')).IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE, '/var/task/config/cosign.pub');

    const unpacked = join(defaults.dir, 'unpacked');
    execFileSync('unzip', ['-q', defaults.zip, '-d', unpacked]);
    const bundle = readFileSync(join(unpacked, 'functions/update-images.mjs'), 'utf8');
    assert.doesNotMatch(bundle, /from\s*"@aws-sdk\//, 'no import left for the runtime to resolve');
    const loaded = (await import(pathToFileURL(join(unpacked, 'functions/update-images.mjs')).href)) as {
      handler(event: unknown, context: { getRemainingTimeInMillis(): number }): Promise<{ clusters: { cluster: string; error?: string }[] }>;
    };

    // The bundled SDK signs, sends and parses a real DescribeCluster (moto has no such cluster).
    const moto = await startMoto();
    try {
      Object.assign(process.env, {
        IMAGE_UPDATER_CLUSTERS: 'prod',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_EKS: moto.endpoint,
      });
      const result = await loaded.handler({ dryRun: true }, { getRemainingTimeInMillis: () => 30_000 });
      assert.deepEqual(result.clusters.map((outcome) => outcome.cluster), ['prod']);
      assert.match(result.clusters[0]?.error ?? '', /^cluster prod in eu-west-1: DescribeCluster failed: No cluster found for name: prod\.$/);
    } finally {
      await moto.stop();
    }
  });

  it('refuses webhooks without the full ARN of their secret', async () => {
    const stack = createRequire(import.meta.url)(join(ROOT, 'infra/stack.cjs')) as {
      webhookFunction(options: { resolveVariable(name: string): Promise<unknown> }): Promise<unknown>;
    };
    const params = (values: Record<string, string>) => ({ resolveVariable: async (name: string) => values[name.replace(/^param:/, '')] ?? 'ci' });
    for (const webhookSecretArn of ['', 'image-updater/webhooks', 'arn:aws:ssm:eu-west-1:123456789012:parameter/webhooks']) {
      await assert.rejects(stack.webhookFunction(params({ webhooks: 'true', webhookSecretArn })), /webhooks=true needs the webhookSecretArn param/);
    }
    assert.deepEqual(await stack.webhookFunction(params({ webhooks: 'false', webhookSecretArn: '' })), {});
  });

  it('derives the schedule minutes from rate() and asks for them with cron()', () => {
    const stack = createRequire(import.meta.url)(join(ROOT, 'infra/stack.cjs')) as { minutesBetweenRuns(schedule: string): number };
    assert.equal(stack.minutesBetweenRuns('rate(1 minute)'), 1);
    assert.equal(stack.minutesBetweenRuns('rate(15 minutes)'), 15);
    assert.equal(stack.minutesBetweenRuns('rate(2 hours)'), 120);
    assert.equal(stack.minutesBetweenRuns('rate(1 day)'), 1440);
    assert.throws(() => stack.minutesBetweenRuns('cron(0/5 * * * ? *)'), /scheduleMinutes/);
  });
});
