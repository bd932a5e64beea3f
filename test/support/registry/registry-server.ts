// A real registry for tests, the demo and the benchmark: Debian's docker-registry (distribution
// 2.8) on a free loopback port with filesystem storage in a temp dir, optionally behind TLS, Basic
// (htpasswd) or token auth. Usable outside node:test: nothing here depends on the test runner.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Agent, fetch, type Dispatcher } from 'undici';
import { makeServerCertificate, makeSigningCertificate } from './certificates';
import { freePort, stopProcess } from '../processes';
import {
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  TokenIssuer,
  startTokenServer,
  type AccessEntry,
  type RegistryUser,
  type TokenServer,
} from './token-server';

export type { RegistryUser } from './token-server';

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  auth?: RegistryAuth;
  tls?: boolean;
  /** Accounts for basic and token auth; default one user, see DEFAULT_USER. */
  users?: RegistryUser[];
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, as an image reference spells it. */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** The CA that signed the server certificate, with `tls`. */
  caPem?: string;
  auth: RegistryAuth;
  users: RegistryUser[];
  /** HTTP requests the token server answered, with token auth. */
  tokenRequests?: () => number;
  stop(): Promise<void>;
  /** For pushImage and tagImage: a connection pool and push credentials. Not part of the registry. */
  readonly push: PushAccess;
}

export interface PushAccess {
  dispatcher: Dispatcher;
  /** Authorization header allowing `user` (default the first) to push to `repository` and pull from `mountFrom`. */
  authorization(repository: string, user?: RegistryUser, mountFrom?: string): string | undefined;
  /** Uploads already done or under way, by `repository@digest`, so blobs are pushed once. */
  blobs: Map<string, Promise<void>>;
  /** A repository holding each blob pushed so far, to mount it from. */
  blobHomes: Map<string, string>;
  /** Manifests pushed by tag (`repository:tag`), so tagging again needs one request. */
  manifests: Map<string, { bytes: Buffer; mediaType: string; digest: string }>;
}

export const DEFAULT_USER: RegistryUser = { username: 'updater', password: 'updater-test-password' };

const REGISTRY_BINARY = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';
const SHARED_MEMORY = '/dev/shm';
const READY_TIMEOUT_MS = 15_000;
const BCRYPT_COST = 4;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startRegistry(options: StartRegistryOptions = {}): Promise<RunningRegistry> {
  await requireBinary();
  const auth = options.auth ?? 'none';
  const users = options.users ?? [DEFAULT_USER];
  const dir = await mkdtemp(join(await scratchRoot(), 'test-registry-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const cleanup of [...cleanups].reverse()) await cleanup();
    })());

  try {
    const certificate = options.tls ? await makeServerCertificate(dir) : undefined;
    const authentication = await setUpAuthentication(dir, auth, users);
    if (authentication.tokenServer) cleanups.push(authentication.tokenServer.close);
    const dispatcher = new Agent({ connections: 64, connect: certificate ? { ca: certificate.caPem } : {} });
    cleanups.push(() => dispatcher.close());
    const tlsLines = certificate
      ? ['  tls:', `    certificate: ${certificate.certificatePath}`, `    key: ${certificate.keyPath}`]
      : [];
    const { child, host } = await launch(dir, [...tlsLines, ...authentication.configLines], certificate !== undefined, dispatcher);
    cleanups.push(() => stopProcess(child));

    const registry: RunningRegistry = {
      host,
      url: `${certificate ? 'https' : 'http'}://${host}`,
      auth,
      users,
      stop,
      push: {
        dispatcher,
        blobs: new Map(),
        blobHomes: new Map(),
        manifests: new Map(),
        authorization: pushAuthorization(auth, users, authentication.issuer),
      },
    };
    if (certificate) registry.caPem = certificate.caPem;
    const tokenServer = authentication.tokenServer;
    if (tokenServer) registry.tokenRequests = () => tokenServer.requests();
    return registry;
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Authentication {
  /** The `auth:` section of the registry configuration. */
  configLines: string[];
  issuer?: TokenIssuer;
  tokenServer?: TokenServer;
}

async function setUpAuthentication(dir: string, auth: RegistryAuth, users: RegistryUser[]): Promise<Authentication> {
  if (auth === 'basic') {
    const htpasswd = join(dir, 'htpasswd');
    const lines = users.map((user) => `${user.username}:${bcrypt.hashSync(user.password, BCRYPT_COST)}`);
    await writeFile(htpasswd, `${lines.join('\n')}\n`);
    return { configLines: ['auth:', '  htpasswd:', '    realm: test-registry', `    path: ${htpasswd}`] };
  }
  if (auth === 'token') {
    const signing = await makeSigningCertificate(dir);
    const issuer = new TokenIssuer(signing);
    const tokenServer = await startTokenServer(issuer, users);
    const configLines = [
      'auth:',
      '  token:',
      `    realm: ${tokenServer.realm}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${signing.certificatePath}`,
    ];
    return { configLines, issuer, tokenServer };
  }
  return { configLines: [] };
}

/** Starts the registry on a free port; the port is picked before the registry binds it, so a collision is retried. */
async function launch(
  dir: string,
  extraConfigLines: string[],
  tls: boolean,
  dispatcher: Dispatcher,
): Promise<{ child: ChildProcess; host: string }> {
  const configPath = join(dir, 'config.yml');
  for (let attempt = 1; ; attempt++) {
    const host = `127.0.0.1:${await freePort()}`;
    await writeFile(configPath, registryConfig(dir, host, extraConfigLines));
    const started = spawnRegistry(configPath);
    try {
      await waitUntilReady(started, `${tls ? 'https' : 'http'}://${host}/v2/`, dispatcher);
      return { child: started.child, host };
    } catch (error) {
      await stopProcess(started.child);
      if (attempt >= 3 || !started.output().includes('address already in use')) throw error;
    }
  }
}

function pushAuthorization(
  auth: RegistryAuth,
  users: RegistryUser[],
  issuer: TokenIssuer | undefined,
): PushAccess['authorization'] {
  const tokens = new Map<string, { header: string; expiresAt: number }>();
  return (repository, user = users[0], mountFrom) => {
    if (auth === 'none' || !user) return undefined;
    if (auth === 'basic') return `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    // Signed here rather than fetched, so that pushes never show in tokenRequests.
    const key = `${user.username}\n${repository}\n${mountFrom ?? ''}`;
    const cached = tokens.get(key);
    if (cached && cached.expiresAt > Date.now()) return cached.header;
    const access: AccessEntry[] = [{ type: 'repository', name: repository, actions: ['pull', 'push'] }];
    if (mountFrom) access.push({ type: 'repository', name: mountFrom, actions: ['pull'] });
    const token = issuer?.mint(user.username, access);
    const header = `Bearer ${token ?? ''}`;
    tokens.set(key, { header, expiresAt: Date.now() + 60_000 });
    return header;
  };
}

/** Memory-backed /dev/shm when there is one: the registry writes several small files per push. */
async function scratchRoot(): Promise<string> {
  try {
    await access(SHARED_MEMORY, constants.W_OK);
    return SHARED_MEMORY;
  } catch {
    return tmpdir();
  }
}

async function requireBinary(): Promise<void> {
  try {
    await access(REGISTRY_BINARY, constants.X_OK);
  } catch {
    throw new Error(
      `${REGISTRY_BINARY} not found: the registry tests need Debian's docker-registry package ` +
        '(apt-get install docker-registry), or DOCKER_REGISTRY_BIN pointing at a distribution 2.8 binary',
    );
  }
}

function registryConfig(dir: string, host: string, extraLines: string[]): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  cache:',
    '    blobdescriptor: inmemory',
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '  secret: image-updater-test',
    ...extraLines,
    '',
  ].join('\n');
}

interface RegistryProcess {
  child: ChildProcess;
  /** The last few kilobytes the registry printed, for error messages. */
  output(): string;
}

function spawnRegistry(configPath: string): RegistryProcess {
  const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A script that exits without stop() must not leave registries behind.
    process.once('exit', () => {
      for (const registryProcess of running) registryProcess.kill('SIGKILL');
    });
  }
  return { child, output: () => output };
}

async function waitUntilReady({ child, output }: RegistryProcess, pingUrl: string, dispatcher: Dispatcher): Promise<void> {
  const giveUpAt = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < giveUpAt) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`docker-registry exited during startup (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const response = await fetch(pingUrl, { dispatcher, signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  throw new Error(`docker-registry did not answer ${pingUrl} within ${READY_TIMEOUT_MS / 1000} s:\n${output()}`);
}
