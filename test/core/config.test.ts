import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError, optionsFromEnv } from '../../lib/config';

test('defaults: all namespaces, every run, events on, INFO', () => {
  const options = optionsFromEnv({});
  assert.deepEqual(options, {
    dryRun: false,
    applicationNamespace: undefined,
    matchApplicationName: [],
    matchApplicationLabel: undefined,
    registriesConfPath: undefined,
    defaultPlatforms: undefined,
    scheduleMinutes: 1,
    kubeEvents: true,
    maxConcurrency: 10,
    metadataCacheMinutes: 60,
    logLevel: 'INFO',
    secretNamespaces: [],
    allowedRegistries: [],
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
  });
  assert.equal(options.dryRun, true);
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

test('a bad value names the variable and the value', () => {
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_DRY_RUN: 'maybe' }), (error: Error) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(error.message, /IMAGE_UPDATER_DRY_RUN="maybe"/);
    return true;
  });
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_SCHEDULE_MINUTES: '0' }), /IMAGE_UPDATER_SCHEDULE_MINUTES="0"/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_LOG_LEVEL: 'chatty' }), /IMAGE_UPDATER_LOG_LEVEL="CHATTY"/);
  assert.throws(() => optionsFromEnv({ IMAGE_UPDATER_PLATFORMS: 'linux' }), /IMAGE_UPDATER_PLATFORMS: "linux"/);
  assert.throws(
    () => optionsFromEnv({ IMAGE_UPDATER_MATCH_APPLICATION_NAME: 'web-*,team-[' }),
    /IMAGE_UPDATER_MATCH_APPLICATION_NAME: syntax error in pattern "team-\["/,
  );
});
