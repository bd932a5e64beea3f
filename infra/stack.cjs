// The parts of the stack that depend on optional osls params, resolved when `serverless package`
// runs: serverless.yml reads each one as ${file(./infra/stack.cjs):<name>}. The template then holds
// exactly what is configured (no CloudFormation conditions), which keeps the IAM policy auditable.
'use strict';

const { argv, env } = require('node:process');
const { resolve } = require('node:path');

/** A comma-separated param as a list; empty param: empty list. */
async function list(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}`);
  return String(value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

async function single(resolveVariable, name) {
  const value = String((await resolveVariable(`param:${name}`)) ?? '').trim();
  return value === '' ? undefined : value;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const MINUTES_PER_UNIT = { minute: 1, hour: 60, day: 1440 };

/** Minutes between two runs of a rate() schedule, for IMAGE_UPDATER_SCHEDULE_MINUTES. */
function minutesBetweenRuns(schedule) {
  const match = RATE.exec(String(schedule).trim());
  if (!match) {
    throw new Error(`cannot tell the minutes between runs of "${schedule}": pass --param="scheduleMinutes=<N>" as well`);
  }
  return Number(match[1]) * MINUTES_PER_UNIT[match[2].replace(/s$/, '')];
}

/** Whether osls runs `serverless invoke local` (its command is not among the options it passes). */
function invokedLocally() {
  const args = argv.slice(2);
  return args[0] === 'invoke' && args[1] === 'local';
}

/** Where Lambda unpacks the function's files. */
const TASK_ROOT = '/var/task';

/** The names in the clusters param: comma-separated, or the `name` of each JSON entry. */
async function clusterNames(resolveVariable) {
  const value = String((await resolveVariable('param:clusters')) ?? '').trim();
  if (!value.startsWith('[')) return value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return JSON.parse(value).map((entry) => String(entry.name));
}

/**
 * The clusterGroups param: '' (one schedule for every cluster), `each` (one per cluster), or a
 * JSON array of arrays of cluster names. Every cluster is in exactly one group.
 */
async function clusterGroups(resolveVariable) {
  const value = String((await resolveVariable('param:clusterGroups')) ?? '').trim();
  if (value === '') return undefined;
  const names = await clusterNames(resolveVariable);
  if (value === 'each') return names.map((name) => [name]);
  let groups;
  try {
    groups = JSON.parse(value);
  } catch (error) {
    throw new Error(`clusterGroups ${JSON.stringify(value)}: not "each" nor JSON (${error.message})`);
  }
  const valid = Array.isArray(groups) && groups.length > 0 && groups.every((group) => Array.isArray(group) && group.length > 0 && group.every((name) => typeof name === 'string'));
  if (!valid) throw new Error(`clusterGroups ${JSON.stringify(value)}: expected "each" or a JSON array of non-empty arrays of cluster names`);
  const grouped = groups.flat();
  const unknown = grouped.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`clusterGroups names clusters that the clusters param does not: ${unknown.join(', ')}`);
  const twice = grouped.filter((name, index) => grouped.indexOf(name) !== index);
  if (twice.length > 0) throw new Error(`clusterGroups puts clusters in more than one group: ${[...new Set(twice)].join(', ')}`);
  const missing = names.filter((name) => !grouped.includes(name));
  if (missing.length > 0) throw new Error(`clusterGroups leaves clusters without a schedule: ${missing.join(', ')}`);
  return groups;
}

/** Whether the registry webhooks are deployed (the webhooks param). */
async function webhooksOn(resolveVariable) {
  return String(await resolveVariable('param:webhooks')).trim() === 'true';
}

/** The source and detail-type of the events the webhook function puts on the default bus (lib/push/registry-push-event.ts). */
const REGISTRY_PUSH = { source: 'image-updater.registry-push', detailType: 'Registry Push' };
const SECRET_ARN = /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

/** The webhookSecretArn param, checked: the webhook function may read that secret and no other. */
async function webhookSecretArn(resolveVariable) {
  const arn = await single(resolveVariable, 'webhookSecretArn');
  if (!arn || !SECRET_ARN.test(arn)) {
    throw new Error(`webhooks=true needs the webhookSecretArn param: the full ARN of a Secrets Manager secret (got ${JSON.stringify(arn ?? '')})`);
  }
  return arn;
}

module.exports = {
  minutesBetweenRuns,

  /**
   * The function's schedules: one EventBridge rule, or one per cluster group. A group's rule sends
   * the scheduled event's time and the group's clusters (an input transformer), so each group's
   * run is a complete cycle of its own clusters and keeps the schedule's clock.
   */
  scheduleEvents: async ({ resolveVariable }) => {
    const rate = [await resolveVariable('param:schedule')];
    const enabled = String(await resolveVariable('param:enabled')).trim() === 'true';
    const pushEvents = String(await resolveVariable('param:pushEvents')).trim() === 'true';
    // Updates on push: every successful ECR push of this account and region runs the apps tracking that repository.
    const push = [
      ...(pushEvents
        ? [{ eventBridge: { pattern: { source: ['aws.ecr'], 'detail-type': ['ECR Image Action'], detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] } } } }]
        : []),
      // Registry webhooks: each verified push the webhook function hands over on the default bus.
      ...((await webhooksOn(resolveVariable)) ? [{ eventBridge: { pattern: { source: [REGISTRY_PUSH.source], 'detail-type': [REGISTRY_PUSH.detailType] } } }] : []),
    ];
    const groups = await clusterGroups(resolveVariable);
    if (!groups) return [{ schedule: { rate, enabled } }, ...push];
    return [...groups.map((clusters) => ({
      schedule: {
        rate,
        enabled,
        description: `image-updater: ${clusters.join(', ')}`.slice(0, 512),
        inputTransformer: {
          inputPathsMap: { time: '$.time' },
          inputTemplate: `{"source":"aws.events","time":<time>,"clusters":${JSON.stringify(clusters)}}`,
        },
      },
    })), ...push];
  },

  /** One run per group at a time: each group's runs end within the period (the timeout), never two at once. */
  reservedConcurrency: async ({ resolveVariable }) => (await clusterGroups(resolveVariable))?.length ?? 1,

  /** Only the bundle, plus the registries.conf and cosign public key the params name. */
  packagePatterns: async ({ resolveVariable }) => {
    const files = [await single(resolveVariable, 'registriesConf'), await single(resolveVariable, 'cosignPublicKey')];
    return ['!**', ...files.filter((file) => file !== undefined)];
  },

  /**
   * IMAGE_UPDATER_REGISTRIES_CONF: the packaged registries.conf, or empty for the built-in defaults.
   * `serverless invoke local` reads the file where it is, or the shell's IMAGE_UPDATER_REGISTRIES_CONF
   * (the configured environment would otherwise hide it).
   */
  registriesConfPath: async ({ resolveVariable }) => {
    const registriesConf = await single(resolveVariable, 'registriesConf');
    if (invokedLocally()) return registriesConf ? resolve(registriesConf) : (env.IMAGE_UPDATER_REGISTRIES_CONF ?? '');
    return registriesConf ? `${TASK_ROOT}/${registriesConf.replace(/^\.\//, '')}` : '';
  },

  /** IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE: the packaged key (or the file where it is, invoked locally), or empty. */
  cosignPublicKeyPath: async ({ resolveVariable }) => {
    const key = await single(resolveVariable, 'cosignPublicKey');
    if (!key) return '';
    return invokedLocally() ? resolve(key) : `${TASK_ROOT}/${key.replace(/^\.\//, '')}`;
  },

  scheduleMinutes: async ({ resolveVariable }) => String(minutesBetweenRuns(await resolveVariable('param:schedule'))),

  /** Least privilege: each statement names only the configured clusters, roles and repositories. */
  iamStatements: async ({ resolveVariable }) => {
    const clusterName = await single(resolveVariable, 'clusterName');
    const clusterArns = [
      ...(clusterName ? [{ 'Fn::Sub': `arn:\${AWS::Partition}:eks:\${AWS::Region}:\${AWS::AccountId}:cluster/${clusterName}` }] : []),
      ...(await list(resolveVariable, 'describeClusterArns')),
    ];
    const roleArns = await list(resolveVariable, 'assumeRoleArns');
    // Only what is deployed must reach a cluster; `serverless invoke local` runs against KUBECONFIG.
    if (clusterArns.length === 0 && roleArns.length === 0 && !invokedLocally()) {
      throw new Error('the function could reach no cluster: set the clusterName param (or describeClusterArns / assumeRoleArns)');
    }
    const repositoryArns = await list(resolveVariable, 'ecrRepositoryArns');
    const eventBus = await single(resolveVariable, 'eventBus');
    const eventBusArn = eventBus?.startsWith('arn:') ? eventBus : eventBus && { 'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${eventBus}` };
    return [
      ...(clusterArns.length > 0 ? [{ Sid: 'DescribeClusters', Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: clusterArns }] : []),
      ...(roleArns.length > 0 ? [{ Sid: 'AssumeClusterRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: roleArns }] : []),
      // GetAuthorizationToken has no resource-level scope.
      { Sid: 'EcrLogin', Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
      // public.ecr.aws: an authenticated pull has higher limits than an anonymous one.
      { Sid: 'EcrPublicLogin', Effect: 'Allow', Action: ['ecr-public:GetAuthorizationToken'], Resource: '*' },
      {
        Sid: 'EcrPublicBearerToken',
        Effect: 'Allow',
        Action: ['sts:GetServiceBearerToken'],
        Resource: '*',
        Condition: { StringEquals: { 'sts:AWSServiceName': 'ecr-public.amazonaws.com' } },
      },
      {
        Sid: 'EcrReadRepositories',
        Effect: 'Allow',
        Action: ['ecr:DescribeImages', 'ecr:ListImages', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Resource: repositoryArns.length > 0 ? repositoryArns : [{ 'Fn::Sub': 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*' }],
      },
      // Notifications (README, "Notifications"): that bus only.
      ...(eventBusArn ? [{ Sid: 'PublishNotifications', Effect: 'Allow', Action: ['events:PutEvents'], Resource: [eventBusArn] }] : []),
    ];
  },

  /**
   * Registry webhooks (README, "Updates on push"): a second function behind a Function URL. Its
   * auth type is NONE because every call is verified in code with the provider's secret; it runs
   * with its own role (webhookResources), a few at a time, and hands pushes over within seconds.
   */
  webhookFunction: async ({ resolveVariable }) => {
    if (!(await webhooksOn(resolveVariable))) return {};
    return {
      registryWebhook: {
        handler: 'functions/registry-webhook.handler',
        description: `Argo CD Image Updater registry webhooks (${await resolveVariable('sls:stage')})`,
        url: true,
        // Fn::Sub: the reference alone orders the role first (a logical name would add a redundant DependsOn).
        role: { 'Fn::Sub': '${RegistryWebhookRole.Arn}' },
        timeout: 15,
        // A flood of calls costs little and never takes the account's whole concurrency.
        reservedConcurrency: 5,
        environment: { IMAGE_UPDATER_WEBHOOK_SECRET: await webhookSecretArn(resolveVariable) },
      },
    };
  },

  /** The webhook function's role: its logs, its secret, and PutEvents of registry pushes on the default bus. Nothing else. */
  webhookResources: async ({ resolveVariable }) => {
    if (!(await webhooksOn(resolveVariable))) return {};
    const statements = [
      { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [{ 'Fn::GetAtt': ['RegistryWebhookLogGroup', 'Arn'] }] },
      { Sid: 'ReadWebhookSecret', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [await webhookSecretArn(resolveVariable)] },
      {
        Sid: 'HandOffPushes',
        Effect: 'Allow',
        Action: ['events:PutEvents'],
        Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default' }],
        Condition: { StringEquals: { 'events:source': [REGISTRY_PUSH.source] } },
      },
    ];
    return {
      Resources: {
        RegistryWebhookRole: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
            },
            Policies: [{ PolicyName: 'registry-webhook', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
          },
        },
      },
    };
  },

  /** Subnets and security groups for a private cluster endpoint; null (no VPC) when neither is set. */
  vpc: async ({ resolveVariable }) => {
    const subnetIds = await list(resolveVariable, 'subnetIds');
    const securityGroupIds = await list(resolveVariable, 'securityGroupIds');
    if ((subnetIds.length === 0) !== (securityGroupIds.length === 0)) {
      throw new Error('set both subnetIds and securityGroupIds params, or neither');
    }
    return subnetIds.length > 0 ? { subnetIds, securityGroupIds } : null;
  },

  alarmActions: async ({ resolveVariable }) => {
    const topic = await single(resolveVariable, 'alarmTopicArn');
    return topic ? [topic] : [];
  },

  /** The function role's Kubernetes identity on the cluster of this account: group image-updater. */
  accessEntry: async ({ resolveVariable }) => {
    const clusterName = await single(resolveVariable, 'clusterName');
    if (!clusterName) return {};
    return {
      Resources: {
        ImageUpdaterAccessEntry: {
          Type: 'AWS::EKS::AccessEntry',
          Properties: {
            ClusterName: clusterName,
            PrincipalArn: { 'Fn::GetAtt': ['IamRoleLambdaExecution', 'Arn'] },
            Type: 'STANDARD',
            KubernetesGroups: ['image-updater'],
          },
        },
      },
    };
  },
};
