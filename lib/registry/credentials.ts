// Credential references (reference d5): pullsecret:<ns>/<name>, secret:<ns>/<name>#<field>,
// env:<VAR>, ext:/abs/path, each optionally prefixed by `<registry>=`. Errors name the reference,
// never a value read from it. `env:` and `ext:` are the operator's (registries.conf): an annotation
// that names one is refused before anything is read or run.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { registerSecret } from '../report/secrets';
import { DockerCfgSchema, DockerConfigJsonSchema } from './schema';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface SecretReader {
  /** The Secret's data, base64-decoded. */
  readSecret(namespace: string, name: string): Promise<Record<string, string>>;
}

export interface CredentialContext {
  secrets: SecretReader;
  /** The image's registry as written (`ghcr.io`, `docker.io`, "" for implicit Docker Hub). */
  registryHost: string;
  /** The endpoint's API URL (`https://registry-1.docker.io`). */
  apiUrl: string;
  env?: NodeJS.ProcessEnv;
}

export type CredentialSource =
  | { kind: 'pullsecret'; namespace: string; name: string }
  | { kind: 'secret'; namespace: string; name: string; field: string }
  | { kind: 'env'; variable: string }
  | { kind: 'ext'; path: string };

const EXT_TIMEOUT_MS = 10_000;
/** `user:password` and a newline: anything longer is not what an `ext:` script should print. */
const EXT_MAX_OUTPUT_BYTES = 4096;
const PULL_SECRET_FIELD = '.dockerconfigjson';
const LEGACY_PULL_SECRET_FIELD = '.dockercfg';
const DOCKER_HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];

/** Who wrote a reference: the operator (registries.conf, the CLI) or an application's annotation. */
export type CredentialOrigin = 'operator' | 'annotation';

/** Kinds only the operator may use: they reach the function's own environment and file system. */
export const OPERATOR_ONLY_KINDS: ReadonlySet<CredentialSource['kind']> = new Set(['env', 'ext']);

export async function resolveCredentials(
  reference: string,
  context: CredentialContext,
  origin: CredentialOrigin = 'operator',
): Promise<RegistryCredentials> {
  const source = parseCredentialReference(reference);
  if (origin === 'annotation' && OPERATOR_ONLY_KINDS.has(source.kind)) {
    throw new Error(`credentials ${reference}: ${source.kind}: is accepted only in registries.conf, not in an annotation`);
  }
  const credentials = await fetchCredentials(source, reference, context);
  registerSecret(credentials.password);
  return credentials;
}

/** Parses a reference without reading anything; throws an Error naming the reference. */
export function parseCredentialReference(reference: string): CredentialSource {
  const invalid = (reason: string) => new Error(`invalid credential reference ${JSON.stringify(reference)}: ${reason}`);
  let definition = reference.trim();
  // An optional `<registry>=` prefix, as in the reference's "gcr.io=pullsecret:foo/bar". A registry
  // host has no `/`, which keeps an `=` inside a script path from being taken for one.
  const equals = definition.indexOf('=');
  if (equals > 0 && equals < definition.length - 1 && !definition.slice(0, equals).includes('/')) {
    definition = definition.slice(equals + 1);
  }

  const colon = definition.indexOf(':');
  if (colon <= 0 || colon === definition.length - 1) {
    throw invalid('expected <type>:<value> with type pullsecret, secret, env or ext');
  }
  const kind = definition.slice(0, colon).toLowerCase();
  const value = definition.slice(colon + 1);

  switch (kind) {
    case 'pullsecret': {
      const [namespace, name, ...extra] = value.split('/');
      if (!namespace || !name || extra.length > 0) throw invalid('expected pullsecret:<namespace>/<name>');
      return { kind, namespace, name };
    }
    case 'secret': {
      const [secretPath, field, ...extraHashes] = value.split('#');
      const [namespace, name, ...extra] = (secretPath ?? '').split('/');
      if (!namespace || !name || !field || extra.length > 0 || extraHashes.length > 0) {
        throw invalid('expected secret:<namespace>/<name>#<field>');
      }
      return { kind, namespace, name, field };
    }
    case 'env':
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw invalid('expected env:<VARIABLE>');
      return { kind, variable: value };
    case 'ext':
      if (!value.startsWith('/')) throw invalid('the script path must be absolute');
      return { kind, path: value };
    default:
      throw invalid(`unknown type ${JSON.stringify(kind)} (use pullsecret, secret, env or ext)`);
  }
}

async function fetchCredentials(
  source: CredentialSource,
  reference: string,
  context: CredentialContext,
): Promise<RegistryCredentials> {
  const failed = (reason: string) => new Error(`credentials ${reference}: ${reason}`);
  switch (source.kind) {
    case 'env': {
      const value = (context.env ?? process.env)[source.variable];
      if (!value) throw failed(`environment variable ${source.variable} is not set`);
      const credentials = splitUserPassword(value);
      if (!credentials?.username || !credentials.password) {
        throw failed(`environment variable ${source.variable} is not of the form <username>:<password>`);
      }
      return credentials;
    }
    case 'secret': {
      const data = await readSecret(context.secrets, source.namespace, source.name, failed);
      const value = data[source.field];
      if (value === undefined) throw failed(`secret ${source.namespace}/${source.name} has no field ${source.field}`);
      const credentials = splitUserPassword(value.trim());
      if (!credentials) throw failed(`field ${source.field} is not of the form <username>:<password>`);
      return credentials;
    }
    case 'pullsecret': {
      const data = await readSecret(context.secrets, source.namespace, source.name, failed);
      return credentialsFromPullSecret(data, context, failed);
    }
    case 'ext': {
      const output = (await runScript(source.path, failed)).replace(/\r?\n$/, '');
      const credentials = /[\r\n]/.test(output) ? undefined : splitUserPassword(output);
      if (!credentials?.username || !credentials.password) {
        throw failed('script output must be a single line <username>:<password>');
      }
      return credentials;
    }
  }
}

async function readSecret(
  secrets: SecretReader,
  namespace: string,
  name: string,
  failed: (reason: string) => Error,
): Promise<Record<string, string>> {
  try {
    return await secrets.readSecret(namespace, name);
  } catch (error) {
    throw failed(`cannot read secret ${namespace}/${name}: ${(error as Error).message}`);
  }
}

/**
 * The `auths` entry for this registry. Keys are matched as Docker matches them: scheme and path
 * dropped, then the host and port compared exactly (`harbor.example.com` never serves
 * `harbor.example.co`, nor `registry:5000` serve `registry`).
 */
function credentialsFromPullSecret(
  data: Record<string, string>,
  context: CredentialContext,
  failed: (reason: string) => Error,
): RegistryCredentials {
  const auths = parseAuths(data, failed);
  const wanted = wantedAuthHosts(context);
  for (const [key, entry] of Object.entries(auths)) {
    if (!wanted.has(authKeyHost(key))) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const credentials = splitUserPassword(decoded);
      if (!credentials) throw failed(`auth of entry ${key} does not decode to <username>:<password>`);
      return credentials;
    }
    // Kubernetes accepts entries with separate fields; the reference does not.
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
    throw failed(`entry ${key} has neither auth nor username and password`);
  }
  throw failed(`no entry for ${[...wanted][0] ?? context.apiUrl} in the pull secret`);
}

/** Docker's `ConvertToHostname`: `https://host:port/v1/` → `host:port`, lower-cased. */
export function authKeyHost(key: string): string {
  const withoutScheme = key.trim().replace(/^https?:\/\//i, '');
  return (withoutScheme.split('/')[0] ?? '').toLowerCase();
}

function parseAuths(data: Record<string, string>, failed: (reason: string) => Error) {
  const configJson = data[PULL_SECRET_FIELD];
  const legacy = data[LEGACY_PULL_SECRET_FIELD];
  const text = configJson ?? legacy;
  if (text === undefined) throw failed(`secret has no field ${PULL_SECRET_FIELD}`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw failed(`field ${configJson !== undefined ? PULL_SECRET_FIELD : LEGACY_PULL_SECRET_FIELD} is not JSON`);
  }
  const parsed =
    configJson !== undefined ? DockerConfigJsonSchema.safeParse(document) : DockerCfgSchema.safeParse(document);
  if (!parsed.success) throw failed('the pull secret is not a Docker config (no auths map)');
  return 'auths' in parsed.data ? parsed.data.auths : parsed.data;
}

/** The registry as the image names it, and the host its API is reached at. */
function wantedAuthHosts(context: CredentialContext): Set<string> {
  const hosts = [context.registryHost.toLowerCase(), new URL(context.apiUrl).host.toLowerCase()];
  // Pull secrets name Docker Hub by one of several hosts (`https://index.docker.io/v1/` most often).
  if (hosts.some((host) => DOCKER_HUB_HOSTS.includes(host))) hosts.push(...DOCKER_HUB_HOSTS);
  return new Set(hosts.filter((host) => host !== ''));
}

function splitUserPassword(value: string): RegistryCredentials | undefined {
  const colon = value.indexOf(':');
  if (colon < 0) return undefined;
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

function runScript(path: string, failed: (reason: string) => Error): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, [], { timeout: EXT_TIMEOUT_MS, maxBuffer: EXT_MAX_OUTPUT_BYTES }, (error, stdout) => {
      if (!error) return resolve(stdout);
      // Neither stdout nor stderr goes into the message: either may hold the secret.
      const errno = error as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
      if (errno.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        return reject(failed(`script printed more than ${EXT_MAX_OUTPUT_BYTES} bytes`));
      }
      if (errno.killed) return reject(failed(`script did not finish within ${EXT_TIMEOUT_MS / 1000} s`));
      if (typeof errno.code === 'string') return reject(failed(`cannot run script (${errno.code})`));
      return reject(failed(`script failed (exit code ${String(errno.code ?? errno.signal)})`));
    });
  });
}

/** Tells credentials apart in cache keys without keeping the password in them. */
export function credentialsIdentity(credentials: RegistryCredentials | undefined): string {
  if (!credentials) return 'anonymous';
  const digest = createHash('sha256').update(`${credentials.username}:${credentials.password}`).digest('hex');
  return `${credentials.username}#${digest.slice(0, 16)}`;
}
