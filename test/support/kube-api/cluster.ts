// The double's storage and the semantics of each operation, independent of HTTP: resource versions
// from one cluster-wide counter (as etcd revisions), optimistic concurrency, generation, pruning and
// validation, consistent paginated lists.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { admitApplication, applicationCrd } from './application-schema';
import { isJsonObject, kubeTimestamp, objectAt, stringAt, wireCopy, type JsonObject } from './json';
import { ImageUpdaterStore } from './imageupdaters';
import { LabelSelectorError, parseLabelSelector, type LabelMatcher } from './label-selector';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  type FieldError,
  type GroupKind,
  type GroupResource,
} from './status';

export const APPLICATIONS: GroupResource = { group: 'argoproj.io', resource: 'applications' };
const APPLICATION_KIND: GroupKind = { group: 'argoproj.io', kind: 'Application' };
const APPLICATION_API_VERSION = 'argoproj.io/v1alpha1';
const EVENTS: GroupResource = { group: '', resource: 'events' };
const EVENT_KIND: GroupKind = { group: '', kind: 'Event' };
const SECRETS: GroupResource = { group: '', resource: 'secrets' };

export interface SecretSeed {
  namespace: string;
  name: string;
  type?: string;
  labels?: Record<string, string>;
  /** Plain values; stored base64-encoded, as `data` is on the wire. */
  data: Record<string, string>;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface WriteResult {
  object: JsonObject;
  /** Fields pruned as unknown, reported in `Warning` headers. */
  unknownFields: string[];
}

/** An application with its store key, `namespace/name`, which orders lists as etcd keys do. */
type Entry = [key: string, object: JsonObject];

interface ContinueToken {
  rv: string;
  start: string;
}

/** A change another client makes to a stored Application, in place. */
export type ConcurrentChange = (application: JsonObject) => void;

/**
 * What the Argo CD application controller does all the time: refresh `status.reconciledAt`. The
 * spec is untouched; the resourceVersion (and, without a status subresource, generation) moves.
 */
export function refreshReconciledAt(application: JsonObject): void {
  const status = objectAt(application, 'status');
  const previous = typeof status.reconciledAt === 'string' ? Date.parse(status.reconciledAt) : Number.NaN;
  // A later second than before: timestamps have whole seconds.
  const next = Number.isNaN(previous) ? Date.now() : Math.max(Date.now(), previous + 1000);
  status.reconciledAt = kubeTimestamp(new Date(next));
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = object.metadata;
  const labels = isJsonObject(metadata) ? metadata.labels : undefined;
  if (!isJsonObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function withoutMetadata(object: JsonObject): JsonObject {
  const { metadata: _metadata, ...rest } = object;
  return rest;
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64url');
}

function decodeContinue(encoded: string): ContinueToken {
  try {
    const token: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
    if (isJsonObject(token) && typeof token.rv === 'string' && typeof token.start === 'string') {
      return { rv: token.rv, start: token.start };
    }
  } catch {
    // answered below like any other malformed token
  }
  throw badRequest(`continue key is not valid: ${JSON.stringify(encoded)}`);
}

function requireTypeMeta(object: JsonObject, apiVersion: string, kind: string): void {
  if (object.apiVersion === undefined && object.kind === undefined) {
    throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(object)}'`);
  }
  if (object.apiVersion !== apiVersion || object.kind !== kind) {
    throw badRequest(`the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${apiVersion}) or kind (${kind})`);
  }
}

/** The namespace of the URL wins when the body has none; a different one is a 400, as in kube. */
function settleNamespace(metadata: JsonObject, namespace: string): void {
  if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = namespace;
  if (metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
}

const NAME_REQUIRED: FieldError = {
  type: 'FieldValueRequired',
  field: 'metadata.name',
  detail: 'name or generateName is required',
};

export class Cluster {
  private revision = 0;
  private readonly applicationStore = new Map<string, JsonObject>();
  private readonly secretStore = new Map<string, JsonObject>();
  private readonly eventStore = new Map<string, JsonObject>();
  /** The full, sorted application list at each revision a continue token was issued for. */
  private readonly listSnapshots = new Map<string, Entry[]>();
  private readonly changesAfterGet = new Map<string, ConcurrentChange>();
  private readonly changesAfterList = new Map<string, ConcurrentChange>();
  /** Argo CD Image Updater v1.x's CRD, when installed. */
  imageUpdaters?: ImageUpdaterStore;

  installImageUpdaterCrd(): ImageUpdaterStore {
    this.imageUpdaters ??= new ImageUpdaterStore(
      () => this.nextResourceVersion(),
      () => String(this.revision),
    );
    return this.imageUpdaters;
  }

  private nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  private newObjectMeta(metadata: JsonObject): void {
    metadata.uid = randomUUID();
    metadata.creationTimestamp = kubeTimestamp();
    metadata.resourceVersion = this.nextResourceVersion();
  }

  // Applications

  listApplications(options: ListOptions): JsonObject {
    let matches: LabelMatcher;
    try {
      matches = parseLabelSelector(options.labelSelector ?? '');
    } catch (error) {
      if (error instanceof LabelSelectorError) throw badRequest(`unable to parse labelSelector: ${error.message}`);
      throw error;
    }
    const token = options.continueToken ? decodeContinue(options.continueToken) : undefined;
    const rv = token?.rv ?? String(this.revision);
    const snapshot = token ? this.listSnapshots.get(token.rv) : this.sortedApplications();
    if (!snapshot) throw badRequest(`continue key is not valid: ${JSON.stringify(options.continueToken)}`);

    const prefix = options.namespace === undefined ? '' : `${options.namespace}/`;
    const selected = snapshot.filter(
      ([entryKey, object]) => entryKey.startsWith(prefix) && (!token || entryKey > token.start) && matches(labelsOf(object)),
    );
    const limit = options.limit && options.limit > 0 ? options.limit : selected.length;
    const page = selected.slice(0, limit);
    const remaining = selected.length - page.length;
    const metadata: JsonObject = { resourceVersion: rv };
    const last = page[page.length - 1];
    if (remaining > 0 && last) {
      this.listSnapshots.set(rv, snapshot);
      metadata.continue = encodeContinue({ rv, start: last[0] });
      // kube counts the rest only when nothing filters the list.
      if (!options.labelSelector) metadata.remainingItemCount = remaining;
    }
    const items = page.map(([, object]) => structuredClone(object));
    for (const [entryKey] of page) this.writeConcurrently(entryKey, this.changesAfterList);
    return { apiVersion: APPLICATION_API_VERSION, kind: applicationCrd().names.listKind, metadata, items };
  }

  private sortedApplications(): Entry[] {
    return [...this.applicationStore.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([entryKey, object]): Entry => [entryKey, structuredClone(object)]);
  }

  getApplication(namespace: string, name: string): JsonObject {
    const stored = this.applicationStore.get(key(namespace, name));
    if (!stored) throw notFound(APPLICATIONS, name);
    const copy = structuredClone(stored);
    this.writeConcurrently(key(namespace, name), this.changesAfterGet);
    return copy;
  }

  createApplication(namespace: string, body: unknown): WriteResult {
    const candidate = this.applicationCandidate(body, namespace);
    const name = stringAt(candidate, 'metadata', 'name') ?? '';
    const admission = admitApplication(candidate);
    const errors = name ? admission.errors : [NAME_REQUIRED, ...admission.errors];
    if (errors.length > 0) throw invalid(APPLICATION_KIND, name, errors);
    if (this.applicationStore.has(key(namespace, name))) throw alreadyExists(APPLICATIONS, name);
    const metadata = objectAt(admission.object, 'metadata');
    this.newObjectMeta(metadata);
    metadata.generation = 1;
    this.applicationStore.set(key(namespace, name), admission.object);
    return { object: structuredClone(admission.object), unknownFields: admission.unknownFields };
  }

  /** PUT: the body replaces the object; a non-empty `metadata.resourceVersion` is a precondition. */
  replaceApplication(namespace: string, name: string, body: unknown): WriteResult {
    const current = this.applicationStore.get(key(namespace, name));
    if (!current) throw notFound(APPLICATIONS, name);
    return this.updateApplication(current, this.applicationCandidate(body, namespace));
  }

  /** PATCH: `change` turns the current object into the candidate (a merge or JSON patch). */
  patchApplication(namespace: string, name: string, change: (current: JsonObject) => unknown): WriteResult {
    const current = this.applicationStore.get(key(namespace, name));
    if (!current) throw notFound(APPLICATIONS, name);
    const patched = change(structuredClone(current));
    if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
    return this.updateApplication(current, this.applicationCandidate(patched, namespace));
  }

  private applicationCandidate(body: unknown, namespace: string): JsonObject {
    if (!isJsonObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    requireTypeMeta(body, APPLICATION_API_VERSION, APPLICATION_KIND.kind);
    settleNamespace(objectAt(body, 'metadata'), namespace);
    return body;
  }

  /**
   * The update path of kube's generic registry store: name check, resourceVersion precondition
   * (409), validation (422), system fields kept from the stored object, no write when nothing
   * changed, and `generation` bumped when anything outside `metadata` changed (the Application
   * CRD has no status subresource, so a status change counts too).
   */
  private updateApplication(current: JsonObject, candidate: JsonObject): WriteResult {
    const name = stringAt(current, 'metadata', 'name') ?? '';
    const candidateName = stringAt(candidate, 'metadata', 'name') ?? '';
    if (candidateName !== name) {
      throw badRequest(`the name of the object (${candidateName}) does not match the name on the URL (${name})`);
    }
    const admission = admitApplication(candidate);
    const currentMetadata = objectAt(current, 'metadata');
    const precondition = stringAt(admission.object, 'metadata', 'resourceVersion');
    if (precondition && precondition !== currentMetadata.resourceVersion) throw conflict(APPLICATIONS, name);
    if (admission.errors.length > 0) throw invalid(APPLICATION_KIND, name, admission.errors);

    const next = admission.object;
    const metadata = objectAt(next, 'metadata');
    for (const field of ['uid', 'creationTimestamp', 'resourceVersion', 'generation']) metadata[field] = currentMetadata[field];
    if (isDeepStrictEqual(next, current)) return { object: structuredClone(current), unknownFields: admission.unknownFields };
    if (!isDeepStrictEqual(withoutMetadata(next), withoutMetadata(current))) {
      metadata.generation = Number(currentMetadata.generation ?? 0) + 1;
    }
    metadata.resourceVersion = this.nextResourceVersion();
    this.applicationStore.set(key(String(metadata.namespace), name), next);
    return { object: structuredClone(next), unknownFields: admission.unknownFields };
  }

  /** Test backdoor: store an Application as another client would, without preconditions. */
  putApplication(application: unknown): JsonObject {
    const copy = wireCopy(application);
    if (!isJsonObject(copy)) throw new Error('an Application must be an object');
    const body: JsonObject = { apiVersion: APPLICATION_API_VERSION, kind: APPLICATION_KIND.kind, ...copy };
    const metadata = objectAt(body, 'metadata');
    delete metadata.resourceVersion;
    const namespace = stringAt(body, 'metadata', 'namespace');
    const name = stringAt(body, 'metadata', 'name');
    if (!namespace || !name) throw new Error('an Application needs metadata.namespace and metadata.name');
    const current = this.applicationStore.get(key(namespace, name));
    try {
      return current ? this.updateApplication(current, body).object : this.createApplication(namespace, body).object;
    } catch (error) {
      throw new Error(`kube-api double rejected Application ${namespace}/${name}: ${messageOf(error)}`);
    }
  }

  peekApplication(namespace: string, name: string): JsonObject | undefined {
    const stored = this.applicationStore.get(key(namespace, name));
    return stored && structuredClone(stored);
  }

  allApplications(): JsonObject[] {
    return this.sortedApplications().map(([, object]) => object);
  }

  /** Right after the next GET of the application, another client applies `change` to it. */
  changeAfterNextGet(namespace: string, name: string, change: ConcurrentChange): void {
    this.changesAfterGet.set(key(namespace, name), change);
  }

  /** Right after the next list that returns the application, another client applies `change` to it. */
  changeAfterNextList(namespace: string, name: string, change: ConcurrentChange): void {
    this.changesAfterList.set(key(namespace, name), change);
  }

  /** A pending change runs once, as an unconditional update: validated, new resourceVersion. */
  private writeConcurrently(entryKey: string, pending: Map<string, ConcurrentChange>): void {
    const current = this.applicationStore.get(entryKey);
    const change = pending.get(entryKey);
    if (!current || !change) return;
    pending.delete(entryKey);
    const candidate = structuredClone(current);
    change(candidate);
    delete objectAt(candidate, 'metadata').resourceVersion;
    try {
      this.updateApplication(current, candidate);
    } catch (error) {
      // A mistake in the test, not an answer to the request that triggered it: a 500.
      throw new Error(`the concurrent change to Application ${entryKey} was rejected: ${messageOf(error)}`);
    }
  }

  // Events

  createEvent(namespace: string, body: unknown): JsonObject {
    if (!isJsonObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const event: JsonObject = { apiVersion: 'v1', kind: 'Event', ...structuredClone(body) };
    requireTypeMeta(event, 'v1', 'Event');
    // metav1.Time fields are stored with whole seconds.
    for (const field of ['firstTimestamp', 'lastTimestamp']) {
      const value = event[field];
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) event[field] = kubeTimestamp(new Date(value));
    }
    const metadata = objectAt(event, 'metadata');
    settleNamespace(metadata, namespace);
    if (!metadata.name && typeof metadata.generateName === 'string' && metadata.generateName) {
      metadata.name = `${metadata.generateName}${randomUUID().slice(0, 5)}`;
    }
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    const errors: FieldError[] = name ? [] : [NAME_REQUIRED];
    // k8s.io/kubernetes/pkg/apis/core/validation/events.go (legacyValidateEvent)
    const involvedNamespace = stringAt(event, 'involvedObject', 'namespace') ?? '';
    const namespaceMatches = involvedNamespace ? involvedNamespace === namespace : namespace === 'default';
    if (!namespaceMatches) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'involvedObject.namespace',
        badValue: involvedNamespace,
        detail: 'does not match event.namespace',
      });
    }
    if (errors.length > 0) throw invalid(EVENT_KIND, name, errors);
    if (this.eventStore.has(key(namespace, name))) throw alreadyExists(EVENTS, name);
    this.newObjectMeta(metadata);
    this.eventStore.set(key(namespace, name), event);
    return structuredClone(event);
  }

  allEvents(): JsonObject[] {
    return [...this.eventStore.values()].map((event) => structuredClone(event));
  }

  // Secrets

  putSecret(seed: SecretSeed): void {
    const metadata: JsonObject = { name: seed.name, namespace: seed.namespace, ...(seed.labels && { labels: seed.labels }) };
    this.newObjectMeta(metadata);
    const data = Object.fromEntries(
      Object.entries(seed.data).map(([field, value]) => [field, Buffer.from(value, 'utf8').toString('base64')]),
    );
    this.secretStore.set(key(seed.namespace, seed.name), {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata,
      type: seed.type ?? 'Opaque',
      data,
    });
  }

  /** The namespace's Secrets matching a label selector (no paging: the product lists a handful). */
  listSecrets(namespace: string, labelSelector: string): JsonObject {
    let matches: LabelMatcher;
    try {
      matches = parseLabelSelector(labelSelector);
    } catch (error) {
      if (error instanceof LabelSelectorError) throw badRequest(`unable to parse labelSelector: ${error.message}`);
      throw error;
    }
    const items = [...this.secretStore.entries()]
      .filter(([entryKey, secret]) => entryKey.startsWith(`${namespace}/`) && matches(labelsOf(secret)))
      .map(([, secret]) => structuredClone(secret));
    return { apiVersion: 'v1', kind: 'SecretList', metadata: { resourceVersion: String(this.revision) }, items };
  }

  getSecret(namespace: string, name: string): JsonObject {
    const stored = this.secretStore.get(key(namespace, name));
    if (!stored) throw notFound(SECRETS, name);
    return structuredClone(stored);
  }
}
