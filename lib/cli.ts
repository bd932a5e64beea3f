// The `image-updater` command: `run` one cycle (or keep running) against a cluster from a
// kubeconfig, or `test` what would be picked for one image, touching nothing.
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readApplicationSettings } from './annotations/settings';
import { ConfigurationError, parseOptions, rawOptionsFromEnv, type CycleOptions, type RawOptions } from './config';
import { CycleError, RequestTally, runCycle } from './cycle';
import { formatImage, parseImageReference } from './image/reference';
import { migrationYaml } from './imageupdater/migrate';
import { ApplicationsApi, kubeErrorMessage } from './kube/applications';
import { kubeconfigPath, loadKubeConfig } from './kube/kubeconfig';
import { KubeSecretReader } from './kube/secrets';
import { loadRegistriesConf } from './registry/config';
import type { SecretReader } from './registry/credentials';
import { EndpointDirectory } from './registry/endpoints';
import { createLogger, type AppLogger } from './report/logger';
import { redact } from './report/secrets';
import { RegistryAccess } from './resolve/registry-access';
import { resolveImage } from './resolve/resolve-image';
import { matchingNames } from './scan/applications';

const USAGE = `Usage:
  image-updater run [--once] [--dry-run] [--kubeconfig PATH] [--registries-conf PATH]
                    [--application-namespace NS] [--match-application-name GLOB]...
                    [--match-application-label SELECTOR] [--platforms OS/ARCH[,...]]
                    [--schedule-minutes N] [--max-concurrency N] [--metadata-cache-minutes N]
                    [--disable-kube-events] [--secret-namespaces NS[,...]]
                    [--allowed-registries GLOB[,...]] [--argocd-namespace NS]
                    [--git-commit-user NAME] [--git-commit-email EMAIL]
                    [--git-commit-message-path PATH] [--github-api-url URL] [--gitlab-api-url URL]
                    [--health-gate] [--event-bus NAME|ARN] [--cosign-public-key-file PATH]
                    [--loglevel debug|info|warn|error]
  image-updater test IMAGE [--update-strategy S] [--semver-constraint C] [--allow-tags R]
                    [--ignore-tags GLOB]... [--platforms P] [--credentials REF]
                    [--registries-conf PATH] [--kubeconfig PATH] [--loglevel L]
  image-updater migrate [--kubeconfig PATH] [--application-namespace NS]
                    [--match-application-name GLOB]... [--match-application-label SELECTOR]
                    prints the ImageUpdater resources equivalent to the v0.x annotations
Every run flag has an IMAGE_UPDATER_* environment variable twin (see README).`;

const RUN_FLAGS = {
  once: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'health-gate': { type: 'boolean' },
  'event-bus': { type: 'string' },
  kubeconfig: { type: 'string' },
  'registries-conf': { type: 'string' },
  'registries-conf-path': { type: 'string' },
  'application-namespace': { type: 'string' },
  'match-application-name': { type: 'string', multiple: true },
  'match-application-label': { type: 'string' },
  platforms: { type: 'string' },
  'schedule-minutes': { type: 'string' },
  'max-concurrency': { type: 'string' },
  'metadata-cache-minutes': { type: 'string' },
  'disable-kube-events': { type: 'boolean' },
  'secret-namespaces': { type: 'string' },
  'allowed-registries': { type: 'string' },
  'argocd-namespace': { type: 'string' },
  'cosign-public-key-file': { type: 'string' },
  'git-commit-user': { type: 'string' },
  'git-commit-email': { type: 'string' },
  'git-commit-message-path': { type: 'string' },
  'github-api-url': { type: 'string' },
  'gitlab-api-url': { type: 'string' },
  loglevel: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const TEST_FLAGS = {
  'update-strategy': { type: 'string' },
  'semver-constraint': { type: 'string' },
  'allow-tags': { type: 'string' },
  'ignore-tags': { type: 'string', multiple: true },
  platforms: { type: 'string' },
  credentials: { type: 'string' },
  'registries-conf': { type: 'string' },
  'registries-conf-path': { type: 'string' },
  kubeconfig: { type: 'string' },
  loglevel: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

const MIGRATE_FLAGS = {
  kubeconfig: { type: 'string' },
  'application-namespace': { type: 'string' },
  'match-application-name': { type: 'string', multiple: true },
  'match-application-label': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

type TestFlags = ReturnType<typeof parseTestArgs>['values'];

function parseTestArgs(args: string[]) {
  return parseArgs({ args, options: TEST_FLAGS, strict: true, allowPositionals: true });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'run') return run(rest);
  if (command === 'test') return test(rest);
  if (command === 'migrate') return migrate(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: RUN_FLAGS, strict: true, allowPositionals: false });
  if (values.help) return help();
  const raw: RawOptions = rawOptionsFromEnv();
  assign(raw, 'dryRun', values['dry-run'] ? 'true' : undefined);
  assign(raw, 'healthGate', values['health-gate'] ? 'true' : undefined);
  assign(raw, 'eventBus', values['event-bus']);
  assign(raw, 'registriesConfPath', values['registries-conf'] ?? values['registries-conf-path']);
  assign(raw, 'applicationNamespace', values['application-namespace']);
  assign(raw, 'matchApplicationName', values['match-application-name']);
  assign(raw, 'matchApplicationLabel', values['match-application-label']);
  assign(raw, 'defaultPlatforms', values.platforms);
  assign(raw, 'scheduleMinutes', values['schedule-minutes']);
  assign(raw, 'maxConcurrency', values['max-concurrency']);
  assign(raw, 'metadataCacheMinutes', values['metadata-cache-minutes']);
  assign(raw, 'disableKubeEvents', values['disable-kube-events'] ? 'true' : undefined);
  assign(raw, 'secretNamespaces', values['secret-namespaces']);
  assign(raw, 'allowedRegistries', values['allowed-registries']);
  assign(raw, 'logLevel', values.loglevel);
  assign(raw, 'argocdNamespace', values['argocd-namespace']);
  assign(raw, 'gitCommitUser', values['git-commit-user']);
  assign(raw, 'gitCommitEmail', values['git-commit-email']);
  assign(raw, 'gitCommitMessageTemplate', await readTemplateFile(values['git-commit-message-path']));
  assign(raw, 'githubApiUrl', values['github-api-url']);
  assign(raw, 'gitlabApiUrl', values['gitlab-api-url']);
  assign(raw, 'cosignPublicKeyFile', values['cosign-public-key-file']);
  const options = parseOptions(raw);
  const path = kubeconfigPath(values.kubeconfig);
  if (!path) {
    throw new ConfigurationError('no cluster configured: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  }
  const kubeConfig = loadKubeConfig(path);
  const log = createLogger({ level: options.logLevel, persistentKeys: { cluster: kubeConfig.getCurrentCluster()?.name } });
  if (values.once) {
    await runCycle(kubeConfig, options, { log });
    return 0;
  }
  return loop(options, log, () => runCycle(kubeConfig, options, { log }));
}

/** The reference's --git-commit-message-path: the template is the file's text. */
async function readTemplateFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`--git-commit-message-path ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** Without --once: a cycle every schedule period, each one independent, until interrupted. */
async function loop(options: CycleOptions, log: AppLogger, cycle: () => Promise<unknown>): Promise<number> {
  const periodMs = options.scheduleMinutes * 60_000;
  for (;;) {
    const started = Date.now();
    try {
      await cycle();
    } catch (error) {
      log.error(`cycle failed: ${(error as Error).message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + periodMs - Date.now())));
  }
}

async function test(args: string[]): Promise<number> {
  const { values, positionals } = parseTestArgs(args);
  if (values.help) return help();
  const [imageText, ...extra] = positionals;
  if (!imageText || extra.length > 0) throw new UsageError('test takes exactly one IMAGE');
  const raw = rawOptionsFromEnv();
  assign(raw, 'logLevel', values.loglevel ?? 'WARN');
  const options = parseOptions(raw);
  const log = createLogger({ level: options.logLevel });

  const live = parseImageReference(imageText);
  const settings = readApplicationSettings('cli/test', testAnnotations(imageText, live.tag, values), { trustedCredentials: true });
  const [firstError] = settings.errors;
  if (firstError) throw new ConfigurationError(firstError.message.replace(/^application cli\/test: /, ''));
  const [spec] = settings.images;
  if (!spec) throw new ConfigurationError(`cannot read image ${JSON.stringify(imageText)}`);

  const kubePath = kubeconfigPath(values.kubeconfig);
  const secrets: SecretReader = kubePath ? new KubeSecretReader(loadKubeConfig(kubePath)) : noCluster;
  const registries = await loadRegistriesConf(values['registries-conf'] ?? values['registries-conf-path'] ?? options.registriesConfPath);
  const tally = new RequestTally();
  // The operator names the image and its credentials here: no annotation is involved.
  const access = new RegistryAccess(new EndpointDirectory(registries, { inferredOperatorTrusted: true }), secrets, tally, log, {
    pullSecretOrigin: 'operator',
  });
  const resolution = await resolveImage(spec, { ...live }, await access.repository(spec.image, spec.pullSecret));
  if (resolution.kind === 'none') {
    process.stdout.write(`no newer version of image found (${resolution.reason})\n`);
    return 0;
  }
  const picked = resolution.kind === 'update' ? resolution.newImage : resolution.image;
  process.stdout.write(`latest image according to constraint is ${formatImage(picked)}\n`);
  return 0;
}

/** Prints one ImageUpdater per namespace for the annotated Applications; changes nothing. */
async function migrate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: MIGRATE_FLAGS, strict: true, allowPositionals: false });
  if (values.help) return help();
  const raw = rawOptionsFromEnv();
  assign(raw, 'applicationNamespace', values['application-namespace']);
  assign(raw, 'matchApplicationName', values['match-application-name']);
  assign(raw, 'matchApplicationLabel', values['match-application-label']);
  const options = parseOptions(raw);
  const path = kubeconfigPath(values.kubeconfig);
  if (!path) throw new ConfigurationError('no cluster configured: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config');
  const kubeConfig = loadKubeConfig(path);
  const listed = await new ApplicationsApi(kubeConfig)
    .list({ namespace: options.applicationNamespace, labelSelector: options.matchApplicationLabel })
    .catch((error: unknown) => {
      throw new CycleError(`cannot list Argo CD applications on ${kubeConfig.getCurrentCluster()?.server}: ${kubeErrorMessage(error)}`);
    });
  const log = createLogger({ level: options.logLevel });
  process.stdout.write(migrationYaml(matchingNames(listed, options.matchApplicationName, log)));
  return 0;
}

/** The `test` flags as the annotations of a one-image application, so both read settings alike. */
function testAnnotations(imageText: string, tag: string | undefined, values: TestFlags): Record<string, string> {
  const prefix = 'argocd-image-updater.argoproj.io/';
  const name = (tag ? imageText.slice(0, imageText.lastIndexOf(`:${tag}`)) : imageText).replace(/@sha256:[0-9a-f]+$/, '');
  // The digest strategy tracks a tag: the constraint flag, else the image's own tag.
  const tracked = values['update-strategy'] === 'digest' ? (values['semver-constraint'] ?? tag) : undefined;
  const annotations: Record<string, string> = { [`${prefix}image-list`]: `image=${name}${tracked ? `:${tracked}` : ''}` };
  const set = (setting: string, value: string | string[] | undefined): void => {
    if (value !== undefined) annotations[`${prefix}image.${setting}`] = Array.isArray(value) ? value.join(',') : value;
  };
  set('update-strategy', values['update-strategy']);
  if (!tracked) set('semver', values['semver-constraint']);
  set('allow-tags', values['allow-tags']);
  set('ignore-tags', values['ignore-tags']);
  set('platforms', values.platforms);
  set('pull-secret', values.credentials);
  return annotations;
}

const noCluster: SecretReader = {
  readSecret: () => Promise.reject(new ConfigurationError('pullsecret: and secret: credentials need a cluster: pass --kubeconfig')),
};

function assign(raw: RawOptions, key: keyof RawOptions, value: string | string[] | undefined): void {
  if (value !== undefined) raw[key] = value;
}

function help(): number {
  process.stdout.write(`${USAGE}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = redact(error instanceof Error ? error.message : String(error));
    const known = error instanceof ConfigurationError || error instanceof CycleError || error instanceof UsageError;
    console.error(`image-updater: ${known ? message : `unexpected error: ${message}`}`);
    if (error instanceof UsageError || (error instanceof Error && error.name === 'TypeError' && /parseArgs|Unknown option/i.test(message))) {
      console.error(USAGE);
      process.exitCode = 2;
      return;
    }
    process.exitCode = 1;
  },
);
