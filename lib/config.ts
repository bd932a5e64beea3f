// The cycle's configuration, read once: from command-line flags for the CLI, and from the same
// settings' environment variables (IMAGE_UPDATER_*) for the Lambda. Every flag has its twin here.
import { BadGlobError, validateGoGlob } from './match/go-glob';
import type { Platform } from './model';
import { parseGoTemplate } from './writeback/git/go-template';
import type { GitOptions } from './writeback/git/batch';
import { DEFAULT_COMMIT_MESSAGE_TEMPLATE } from './writeback/git/templates';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface CycleOptions {
  dryRun: boolean;
  /** Only Applications in this namespace; undefined: all namespaces. */
  applicationNamespace?: string;
  /** Globs on the Application name; empty: every name. */
  matchApplicationName: string[];
  /** Kubernetes label selector passed to the list call. */
  matchApplicationLabel?: string;
  registriesConfPath?: string;
  /** Platforms an image must offer when its `platforms` annotation is absent; undefined: any. */
  defaultPlatforms?: Platform[];
  /** Minutes between two scheduled runs, for the `interval` annotation. */
  scheduleMinutes: number;
  kubeEvents: boolean;
  /** Applications processed at the same time. */
  maxConcurrency: number;
  /** Minutes a warm container trusts the digest a tag had before one HEAD checks it (newest-build). */
  metadataCacheMinutes: number;
  logLevel: LogLevel;
  /** Namespaces besides an Application's own whose Secrets its pull-secret annotation may name (`*`: any). */
  secretNamespaces: string[];
  /** Globs on the registry host[:port] an annotation may name; empty: any public registry. */
  allowedRegistries: string[];
  /** Update only Synced and Healthy applications unless their `health-gate` annotation says otherwise. */
  healthGate: boolean;
  /** EventBridge bus (name or ARN) notified of each update, revert, hold and persistent failure; undefined: none. */
  eventBus?: string;
  /** Write-back method `git`: commit author and message, Argo CD's namespace, forge API URLs. */
  git: GitOptions;
  /** A PEM public key: annotation-driven applications' new tags must carry a cosign signature by it. */
  cosignPublicKeyFile?: string;
}

/** Each option's environment variable, as documented in the README. */
export const ENVIRONMENT = {
  dryRun: 'IMAGE_UPDATER_DRY_RUN',
  healthGate: 'IMAGE_UPDATER_HEALTH_GATE',
  eventBus: 'IMAGE_UPDATER_EVENT_BUS',
  applicationNamespace: 'IMAGE_UPDATER_APPLICATION_NAMESPACE',
  matchApplicationName: 'IMAGE_UPDATER_MATCH_APPLICATION_NAME',
  matchApplicationLabel: 'IMAGE_UPDATER_MATCH_APPLICATION_LABEL',
  registriesConfPath: 'IMAGE_UPDATER_REGISTRIES_CONF',
  defaultPlatforms: 'IMAGE_UPDATER_PLATFORMS',
  scheduleMinutes: 'IMAGE_UPDATER_SCHEDULE_MINUTES',
  disableKubeEvents: 'IMAGE_UPDATER_DISABLE_KUBE_EVENTS',
  maxConcurrency: 'IMAGE_UPDATER_MAX_CONCURRENCY',
  metadataCacheMinutes: 'IMAGE_UPDATER_METADATA_CACHE_MINUTES',
  logLevel: 'IMAGE_UPDATER_LOG_LEVEL',
  secretNamespaces: 'IMAGE_UPDATER_SECRET_NAMESPACES',
  allowedRegistries: 'IMAGE_UPDATER_ALLOWED_REGISTRIES',
  gitCommitUser: 'IMAGE_UPDATER_GIT_COMMIT_USER',
  gitCommitEmail: 'IMAGE_UPDATER_GIT_COMMIT_EMAIL',
  gitCommitMessageTemplate: 'IMAGE_UPDATER_GIT_COMMIT_MESSAGE_TEMPLATE',
  argocdNamespace: 'IMAGE_UPDATER_ARGOCD_NAMESPACE',
  githubApiUrl: 'IMAGE_UPDATER_GITHUB_API_URL',
  gitlabApiUrl: 'IMAGE_UPDATER_GITLAB_API_URL',
  cosignPublicKeyFile: 'IMAGE_UPDATER_COSIGN_PUBLIC_KEY_FILE',
} as const;

export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/** Raw setting values by option, before validation; the CLI fills it from flags over the environment. */
export type RawOptions = { -readonly [K in keyof typeof ENVIRONMENT]?: string | string[] };

export function rawOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RawOptions {
  const raw: RawOptions = {};
  for (const [key, variable] of Object.entries(ENVIRONMENT) as [keyof typeof ENVIRONMENT, string][]) {
    const value = env[variable];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): CycleOptions {
  return parseOptions(rawOptionsFromEnv(env));
}

export function parseOptions(raw: RawOptions): CycleOptions {
  const platforms = list(raw.defaultPlatforms);
  return {
    dryRun: bool('dryRun', raw.dryRun, false),
    applicationNamespace: single(raw.applicationNamespace),
    matchApplicationName: nameGlobs(list(raw.matchApplicationName)),
    matchApplicationLabel: single(raw.matchApplicationLabel),
    registriesConfPath: single(raw.registriesConfPath),
    defaultPlatforms: platforms.length > 0 ? platforms.map(parseDefaultPlatform) : undefined,
    scheduleMinutes: positiveInteger('scheduleMinutes', raw.scheduleMinutes, 1),
    kubeEvents: !bool('disableKubeEvents', raw.disableKubeEvents, false),
    maxConcurrency: positiveInteger('maxConcurrency', raw.maxConcurrency, 10),
    metadataCacheMinutes: wholeNumber('metadataCacheMinutes', raw.metadataCacheMinutes, 60),
    logLevel: logLevel(raw.logLevel),
    secretNamespaces: list(raw.secretNamespaces),
    allowedRegistries: list(raw.allowedRegistries).map((glob) => glob.toLowerCase()),
    healthGate: bool('healthGate', raw.healthGate, false),
    eventBus: eventBus(raw.eventBus),
    git: gitOptions(raw),
    cosignPublicKeyFile: single(raw.cosignPublicKeyFile),
  };
}

function gitOptions(raw: RawOptions): GitOptions {
  const template = Array.isArray(raw.gitCommitMessageTemplate) ? raw.gitCommitMessageTemplate.at(-1) : raw.gitCommitMessageTemplate;
  let messageTemplate;
  try {
    messageTemplate = parseGoTemplate(template ?? DEFAULT_COMMIT_MESSAGE_TEMPLATE);
  } catch (error) {
    throw new ConfigurationError(`${describe('gitCommitMessageTemplate')}: ${(error as Error).message}`);
  }
  const githubApiUrl = apiUrl('githubApiUrl', raw.githubApiUrl);
  const gitlabApiUrl = apiUrl('gitlabApiUrl', raw.gitlabApiUrl);
  return {
    author: { name: single(raw.gitCommitUser) ?? 'argocd-image-updater', email: single(raw.gitCommitEmail) ?? 'noreply@argoproj.io' },
    messageTemplate,
    argocdNamespace: single(raw.argocdNamespace) ?? 'argocd',
    ...(githubApiUrl && { githubApiUrl }),
    ...(gitlabApiUrl && { gitlabApiUrl }),
  };
}

function apiUrl(key: keyof typeof ENVIRONMENT, value: string | string[] | undefined): string | undefined {
  const text = single(value);
  if (text === undefined) return undefined;
  if (!/^https?:\/\/[^/\s]+/.test(text)) throw new ConfigurationError(`${describe(key)}=${JSON.stringify(text)}: expected an http(s) URL`);
  return text.replace(/\/+$/, '');
}

/** An event bus name (`[.\-_A-Za-z0-9]+`) or ARN (`arn:<partition>:events:<region>:<account>:event-bus/<name>`). */
function eventBus(value: string | string[] | undefined): string | undefined {
  const text = single(value);
  if (text === undefined) return undefined;
  if (/^[.\-_A-Za-z0-9]{1,256}$/.test(text) || /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[.\-_A-Za-z0-9]{1,256}$/.test(text)) return text;
  throw new ConfigurationError(`${describe('eventBus')}=${JSON.stringify(text)}: expected an event bus name or ARN`);
}

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.at(-1) : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** Repeated flags and comma-separated values both make a list. */
function list(value: string | string[] | undefined): string[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return parts.flatMap((part) => part.split(',')).map((part) => part.trim()).filter((part) => part !== '');
}

/** Go filepath.Match globs, as the reference's --match-application-name; a malformed one stops the run. */
function nameGlobs(globs: string[]): string[] {
  for (const glob of globs) {
    try {
      validateGoGlob(glob);
    } catch (error) {
      if (error instanceof BadGlobError) throw new ConfigurationError(`${describe('matchApplicationName')}: ${error.message}`);
      throw error;
    }
  }
  return globs;
}

function describe(key: keyof typeof ENVIRONMENT): string {
  return ENVIRONMENT[key];
}

function bool(key: keyof typeof ENVIRONMENT, value: string | string[] | undefined, fallback: boolean): boolean {
  const text = single(value)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  throw new ConfigurationError(`${describe(key)}=${JSON.stringify(text)}: expected true or false`);
}

function positiveInteger(key: keyof typeof ENVIRONMENT, value: string | string[] | undefined, fallback: number): number {
  return wholeNumber(key, value, fallback, 1);
}

function wholeNumber(key: keyof typeof ENVIRONMENT, value: string | string[] | undefined, fallback: number, minimum = 0): number {
  const text = single(value);
  if (text === undefined) return fallback;
  const number = Number(text);
  if (!Number.isInteger(number) || number < minimum) {
    throw new ConfigurationError(`${describe(key)}=${JSON.stringify(text)}: expected a whole number of at least ${minimum}`);
  }
  return number;
}

/** IMAGE_UPDATER_LOG_LEVEL alone, for a function that needs no other setting (the registry webhook). */
export function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  return logLevel(env[ENVIRONMENT.logLevel]);
}

function logLevel(value: string | string[] | undefined): LogLevel {
  const text = single(value)?.toUpperCase() ?? 'INFO';
  const level = text === 'WARNING' ? 'WARN' : text;
  if (level === 'DEBUG' || level === 'INFO' || level === 'WARN' || level === 'ERROR') return level;
  throw new ConfigurationError(`${describe('logLevel')}=${JSON.stringify(text)}: expected DEBUG, INFO, WARN or ERROR`);
}

function parseDefaultPlatform(text: string): Platform {
  const [os, arch, variant, ...rest] = text.split('/');
  if (!os || !arch || rest.length > 0) {
    throw new ConfigurationError(`${describe('defaultPlatforms')}: ${JSON.stringify(text)} is not os/arch[/variant]`);
  }
  return variant ? { os, arch, variant } : { os, arch };
}
