// An HTTP double of kube-apiserver for exactly what the product calls: Argo CD Applications (list,
// get, patch, replace, with the CRD's schema), core/v1 Events (create) and Secrets (get), discovery.
// Tests reach it through @kubernetes/client-node with the kubeconfig it writes.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { Application } from '../../../lib/model';
import { reconcileApplication, type ControllerOutcome } from './argocd-controller';
import { Cluster, refreshReconciledAt, type SecretSeed } from './cluster';
import { isJsonObject, type JsonObject } from './json';
import { route, type ApiResponse } from './router';
import { genericStatus, StatusError, unauthorized } from './status';
import { servingCertificate } from './tls';

export type { ControllerOutcome } from './argocd-controller';
export type { SecretSeed } from './cluster';
export type { Status } from './status';

/** An Application as the double stores it, with the fields the API server sets. */
export type StoredApplication = Application & {
  metadata: { uid: string; resourceVersion: string; generation: number; creationTimestamp: string };
};

/** A core/v1 Event as created through the API, with the fields the API server sets. */
export interface KubeEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
  };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  [field: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The Content-Type header as sent. */
  contentType?: string;
  /** The body, parsed when it is JSON. */
  body?: unknown;
}

export interface KubeApiOptions {
  /** Serve HTTPS with a throwaway CA (see `caPem`). Default: plain HTTP. */
  tls?: boolean;
  /** Accepted bearer tokens. Default: one random token, `token`. */
  tokens?: string[] | ((token: string) => boolean);
  applications?: Application[];
  secrets?: SecretSeed[];
  /** Install Argo CD Image Updater v1.x's CRD (implied by `imageUpdaters`). Default: not installed, a 404. */
  imageUpdaterCrd?: boolean;
  /** ImageUpdater resources to store (validated against the CRD, defaults applied). */
  imageUpdaters?: unknown[];
  /** Resources RBAC denies to every token, e.g. `imageupdaters` or `imageupdaters/status`: a 403. */
  forbidden?: string[];
}

/** An ImageUpdater as the double stores it. */
export interface StoredImageUpdater {
  apiVersion: string;
  kind: 'ImageUpdater';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; generation: number; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KubeApiDouble {
  url: string;
  /** The CA that signed the serving certificate, when `tls`. */
  caPem?: string;
  /** The token kubeconfigPath() and kubeConfig() use by default: `tokens[0]`, else a random one. */
  token: string;
  /** Writes a kubeconfig for this server (CA data when TLS, bearer token) and returns its path. */
  kubeconfigPath(token?: string): string;
  kubeConfig(token?: string): KubeConfig;
  application(namespace: string, name: string): StoredApplication | undefined;
  applications(): StoredApplication[];
  /** Creates or replaces an Application as another client would (validated, new resourceVersion). */
  setApplication(application: Application): StoredApplication;
  /** The Argo CD controller reports `outcome` for this application (status only, new resourceVersion). */
  reconcile(namespace: string, name: string, outcome: ControllerOutcome): StoredApplication;
  /** Creates or replaces a Secret. */
  setSecret(secret: SecretSeed): void;
  events(): KubeEvent[];
  imageUpdater(namespace: string, name: string): StoredImageUpdater | undefined;
  /** Creates or replaces an ImageUpdater (spec, and status when given) as another client would. */
  setImageUpdater(imageUpdater: unknown): StoredImageUpdater;
  requests(): RecordedRequest[];
  /** Connections clients opened (TLS handshakes when `tls`). */
  connections(): number;
  /**
   * The next request that comes on a connection used before is cut without an answer, as when the
   * server closes an idle kept-alive connection just as the client sends on it.
   */
  hangUpNextReused(): void;
  /** The next request with this method and path (exact, or matching the RegExp) fails with `status`. */
  failNext(method: string, path: string | RegExp, status: number, body?: unknown): void;
  /**
   * Right after the next GET of this application, the Argo CD controller refreshes its
   * `status.reconciledAt`: a write carrying the resourceVersion just read gets a 409.
   */
  bumpOnNextGet(namespace: string, name: string): void;
  /** Right after the next list that returns this application, another client applies `change` to it. */
  changeAfterList(namespace: string, name: string, change: (application: StoredApplication) => void): void;
  stop(): Promise<void>;
}

interface InjectedFailure {
  method: string;
  path: string | RegExp;
  response: ApiResponse;
}

function hasStoredMetadata(value: unknown): value is JsonObject {
  const metadata = isJsonObject(value) ? value.metadata : undefined;
  return (
    isJsonObject(metadata) &&
    typeof metadata.name === 'string' &&
    typeof metadata.namespace === 'string' &&
    typeof metadata.resourceVersion === 'string'
  );
}

function isStoredApplication(value: unknown): value is StoredApplication {
  return hasStoredMetadata(value) && isJsonObject(value.spec);
}

function isKubeEvent(value: unknown): value is KubeEvent {
  return hasStoredMetadata(value) && value.kind === 'Event';
}

function asStoredApplication(object: JsonObject): StoredApplication {
  if (!isStoredApplication(object)) throw new Error(`not a stored Application: ${JSON.stringify(object)}`);
  return object;
}

function asStoredImageUpdater(object: JsonObject): StoredImageUpdater {
  if (!hasStoredMetadata(object) || object.kind !== 'ImageUpdater' || !isJsonObject(object.spec)) {
    throw new Error(`not a stored ImageUpdater: ${JSON.stringify(object)}`);
  }
  return object as unknown as StoredImageUpdater;
}

function asKubeEvent(object: JsonObject): KubeEvent {
  if (!isKubeEvent(object)) throw new Error(`not a stored Event: ${JSON.stringify(object)}`);
  return object;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parsedOrRaw(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function send(response: ServerResponse, answer: ApiResponse): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json' };
  if (answer.warnings && answer.warnings.length > 0) {
    headers.Warning = answer.warnings.map((text) => `299 - ${JSON.stringify(text)}`);
  }
  response.writeHead(answer.status, headers);
  response.end(JSON.stringify(answer.body));
}

function internalError(error: unknown): ApiResponse {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    status: 500,
    body: { ...genericStatus(500), message: `Internal error occurred: ${message}`, details: { causes: [{ message }] } },
  };
}

export async function startKubeApi(options: KubeApiOptions = {}): Promise<KubeApiDouble> {
  const cluster = new Cluster();
  for (const application of options.applications ?? []) cluster.putApplication(application);
  for (const secret of options.secrets ?? []) cluster.putSecret(secret);
  if (options.imageUpdaterCrd || options.imageUpdaters) {
    const store = cluster.installImageUpdaterCrd();
    for (const imageUpdater of options.imageUpdaters ?? []) store.put(imageUpdater);
  }
  const rbac = { user: 'system:serviceaccount:argocd:image-updater', forbidden: options.forbidden ?? [] };

  const randomToken = randomBytes(24).toString('hex');
  const { tokens } = options;
  const token = Array.isArray(tokens) ? (tokens[0] ?? randomToken) : randomToken;
  const acceptsToken = typeof tokens === 'function' ? tokens : (candidate: string) => (tokens ?? [token]).includes(candidate);

  const recorded: RecordedRequest[] = [];
  const failures: InjectedFailure[] = [];
  let serverAddress = '';

  function takeFailure(method: string, path: string): ApiResponse | undefined {
    const index = failures.findIndex(
      (failure) => failure.method === method && (typeof failure.path === 'string' ? failure.path === path : failure.path.test(path)),
    );
    return index < 0 ? undefined : failures.splice(index, 1)[0]?.response;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://kube-api');
    const method = (request.method ?? 'GET').toUpperCase();
    const contentType = request.headers['content-type'];
    recorded.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(contentType ? { contentType } : {}),
      ...(body ? { body: parsedOrRaw(body) } : {}),
    });
    let answer: ApiResponse;
    try {
      const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1];
      if (bearer === undefined || !acceptsToken(bearer)) throw unauthorized();
      answer =
        takeFailure(method, url.pathname) ??
        route(
          cluster,
          {
            method,
            rbac,
            segments: url.pathname.split('/').filter(Boolean).map(decodeURIComponent),
            query: url.searchParams,
            mediaType: (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
            body,
          },
          serverAddress,
        );
    } catch (error) {
      answer = error instanceof StatusError ? { status: error.status.code, body: error.status } : internalError(error);
    }
    send(response, answer);
  }

  const requestsOnSocket = new WeakMap<object, number>();
  let hangUpReused = false;
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const earlier = requestsOnSocket.get(request.socket) ?? 0;
    requestsOnSocket.set(request.socket, earlier + 1);
    if (hangUpReused && earlier > 0) {
      hangUpReused = false;
      request.socket.destroy();
      return;
    }
    handle(request, response).catch((error: unknown) => send(response, internalError(error)));
  };
  const certificate = options.tls ? await servingCertificate() : undefined;
  const server = certificate
    ? createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, listener)
    : createHttpServer(listener);
  let connections = 0;
  server.on(certificate ? 'secureConnection' : 'connection', () => connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  serverAddress = `127.0.0.1:${port}`;
  const url = `${certificate ? 'https' : 'http'}://${serverAddress}`;
  const workDir = mkdtempSync(join(tmpdir(), 'kube-api-double-'));
  let kubeconfigs = 0;

  function kubeconfigYaml(userToken: string): string {
    const clusterEntry = {
      server: url,
      ...(certificate ? { 'certificate-authority-data': Buffer.from(certificate.caPem).toString('base64') } : {}),
    };
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'kube-api-double', cluster: clusterEntry }],
      users: [{ name: 'kube-api-double', user: { token: userToken } }],
      contexts: [{ name: 'kube-api-double', context: { cluster: 'kube-api-double', user: 'kube-api-double' } }],
      'current-context': 'kube-api-double',
    });
  }

  return {
    url,
    ...(certificate ? { caPem: certificate.caPem } : {}),
    token,
    kubeconfigPath(userToken = token) {
      kubeconfigs += 1;
      const path = join(workDir, `kubeconfig-${kubeconfigs}.yaml`);
      writeFileSync(path, kubeconfigYaml(userToken));
      return path;
    },
    kubeConfig(userToken = token) {
      const config = new KubeConfig();
      config.loadFromString(kubeconfigYaml(userToken));
      return config;
    },
    application(namespace, name) {
      const stored = cluster.peekApplication(namespace, name);
      return stored && asStoredApplication(stored);
    },
    applications: () => cluster.allApplications().map(asStoredApplication),
    setApplication: (application) => asStoredApplication(cluster.putApplication(application)),
    reconcile(namespace, name, outcome) {
      const stored = cluster.peekApplication(namespace, name);
      if (!stored) throw new Error(`no application ${namespace}/${name} to reconcile`);
      reconcileApplication(stored, outcome);
      return asStoredApplication(cluster.putApplication(stored));
    },
    setSecret: (secret) => cluster.putSecret(secret),
    events: () => cluster.allEvents().map(asKubeEvent),
    imageUpdater(namespace, name) {
      const stored = cluster.imageUpdaters?.peek(namespace, name);
      return stored && asStoredImageUpdater(stored);
    },
    setImageUpdater: (imageUpdater) => asStoredImageUpdater(cluster.installImageUpdaterCrd().put(imageUpdater)),
    requests: () => structuredClone(recorded),
    connections: () => connections,
    hangUpNextReused: () => {
      hangUpReused = true;
    },
    failNext(method, path, status, body) {
      failures.push({ method: method.toUpperCase(), path, response: { status, body: body ?? genericStatus(status) } });
    },
    bumpOnNextGet: (namespace, name) => cluster.changeAfterNextGet(namespace, name, refreshReconciledAt),
    changeAfterList: (namespace, name, change) =>
      cluster.changeAfterNextList(namespace, name, (object) => change(asStoredApplication(object))),
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
