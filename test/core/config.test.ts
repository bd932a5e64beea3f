import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError, optionsFromEnv } from '../../lib/config';

test('defaults: all namespaces, every run, events on, INFO', () => {
  const { git, ...options } = optionsFromEnv({});
  assert.deepEqual(git.author, { name: 'argocd-image-updater', email: 'noreply@argoproj.io' });
  assert.equal(git.argocdNamespace, 'argocd');
  assert.equal(git.githubApiUrl, undefined);
  assert.deepEqual(options, {
    dryRun: false,
    applicationNamespace: undefined,
    matchApplicationName: [],
    matchApplicationLabel: undefined,
    registriesConfPath: undefined,
    defaultPlatforms: undefined,
    cosignPublicKeyFile: undefined,
    scheduleMinutes: 1,
    kubeEvents: true,
    maxConcurrency: 10,
    metadataCacheMinutes: 60,
    logLevel: 'INFO',
    secretNamespaces: [],
    allowedRegistries: [],
    healthGate: false,
    eventBus: undefined,
  });
});

test('every IMAGE_UPDATER_* variable is read', () => {
  const options = optionsFromEnv({
    IMAGE_UPDATER_DRY_RUN: 'true',
    IMAGE_UPDATER_APPLICATION_NAMESPACE: 'argocd',
    IMAGE_UPDATER_MATCH_APPLICATION_NAME: 'team-*, payments',
    IMAGE_UPDATER_MATCH_APPLICATION_LABEL: 'tier in (web,api)',
    IMAGE_UPDATER_REGISTRIES_CONF: '/etc/registries.conf',
    IMAGE_UPDATER_PLATFORMS: 'linux/amd64,linux/arm64/v8',
    IMAGE_UPDATER_SCHEDULE_MINUTES: '5',
    IMAGE_UPDATER_DISABLE_KUBE_EVENTS: 'true',
    IMAGE_UPDATER_MAX_CONCURRENCY: '4',
    IMAGE_UPDATER_METADATA_CACHE_MINUTES: '0',
    IMAGE_UPDATER_LOG_LEVEL: 'debug',
    IMAGE_UPDATER_SECRET_NAMESPACES: 'registry-creds, shared',
    IMAGE_UPDATER_ALLOWED_REGISTRIES: 'ghcr.io,*.ECR.example.com',
    IMAGE_UPDATER_HEALTH_GATE: 'true',
    IMAGE_UPDATER_EVENT_BUS: 'arn:aws:events:eu-west-1:123456789012:event-bus/deployments',
  });
  assert.equal(options.eventBus, 'arn:aws:events:eu-west-1:123456789012:event-bus/deployments');
  assert.equal(options.dryRun, true);
  assert.equal(options.healthGate, true);
  assert.equal(options.applicationNamespace, 'argocd');
  assert.deepEqual(options.matchApplicationName, ['team-*', 'payments']);
  assert.equal(options.matchApplicationLabel, 'tier in (web,api)');
  assert.equal(options.registriesConfPath, '/etc/registries.conf');
  assert.deepEqual(options.defaultPlatforms, [
    { os: 'linux', arch: 'amd64' },
    { os: 'linux', arch: 'arm64', variant: 'v8' },
  ]);
  assert.equal(options.scheduleMinutes, 5);
  assert.equal(options.kubeEvents, false);
  assert.equal(options.maxConcurrency, 4);
  assert.equal(options.metadataCacheMinutes, 0);
  assert.equal(options.logLevel, 'DEBUG');
  assert.deepEqual(options.secretNamespaces, ['registry-creds', 'shared']);
  assert.deepEqual(options.allowedRegistries, ['ghcr.io', '*.ecr.example.com']);
});

test('git settings: author, message template, Argo CD namespace, forge API URLs', () => {
  const { git } = optionsFromEnv({
    IMAGE_UPDATER_GIT_COMMIT_USER: 'release-bot',
    IMAGE_UPDATER_GIT_COMMIT_EMAIL: 'bot@example.com',
    IMAGE_UPDATER_GIT_COMMIT_MESSAGE_TEMPLATE: 'chore: bump {{ .AppName }} [skip ci]',
    IMAGE_UPDATER_ARGOCD_NAMESPACE: 'gitops',
    IMAGE_UPDATER_GITHUB_API_URL: 'https://github.example.com/api/v3/',
    IMAGE_UPDATER_GITLAB_API_URL: 'https://gitlab.example.com/api/v4',
  });
  assert.deepEqual(git.author, { name: 'release-bot', email: 'bot@example.com' });
  assert.equal(git.messageTemplate.source, 'chore: bump {{ .AppName }} [skip ci]');
  assert.equal(git.argocdNamespace, 'gitops');
  assert.equal(git.githubApiUrl, 'https://github.example.com/api/v3');
  assert.equal(git.gitlabApiUrl, 'https://gitlab.example.com/api/v4');
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_GIT_COMMIT_MESSAGE_TEMPLATE: '{{ if .AppName }}x{{ end }}' }), /IMAGE_UPDATER_GIT_COMMIT_MESSAGE_TEMPLATE: unsupported template action/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_GITHUB_API_URL: 'api.github.com' }), /IMAGE_UPDATER_GITHUB_API_URL="api.github.com"/);
});

test('a bad value names the variable and the value', () => {
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_DRY_RUN: 'maybe' }), (error: Error) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(error.message, /IMAGE_UPDATER_DRY_RUN="maybe"/);
    return true;
  });
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_SCHEDULE_MINUTES: '0' }), /IMAGE_UPDATER_SCHEDULE_MINUTES="0"/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_HEALTH_GATE: 'sometimes' }), /IMAGE_UPDATER_HEALTH_GATE="sometimes": expected true or false/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_EVENT_BUS: 'bus with spaces' }), /IMAGE_UPDATER_EVENT_BUS="bus with spaces": expected an event bus name or ARN/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_LOG_LEVEL: 'chatty' }), /IMAGE_UPDATER_LOG_LEVEL="CHATTY"/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_PLATFORMS: 'linux' }), /IMAGE_UPDATER_PLATFORMS: "linux"/);
  assert.throws(
    () => optionsFromEnv({ IMAGE_UPDATER_MATCH_APPLICATION_NAME: 'web-*,team-[' }),
    /IMAGE_UPDATER_MATCH_APPLICATION_NAME: syntax error in pattern "team-\["/,
  );
});
