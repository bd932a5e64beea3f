// Argo CD Image Updater's `ImageUpdater` custom resources as kube-apiserver stores them: a CRD with
// a status subresource. Writes to the main resource keep the stored status; writes to `/status`
// keep everything but the status; `generation` moves only when the spec does; a non-empty
// `metadata.resourceVersion` is a precondition (409 when stale); nothing is stored when nothing
// changed. Resource versions come from the cluster's one counter.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { WriteResult } from './cluster';
import { admitImageUpdater, imageUpdaterCrd } from './imageupdater-schema';
import { isJsonObject, kubeTimestamp, objectAt, stringAt, wireCopy, type JsonObject } from './json';
import { LabelSelectorError, parseLabelSelector } from './label-selector';
import { alreadyExists, badRequest, conflict, invalid, notFound, type GroupKind, type GroupResource } from './status';

export const IMAGE_UPDATER_GROUP = 'argocd-image-updater.argoproj.io';
export const IMAGE_UPDATERS: GroupResource = { group: IMAGE_UPDATER_GROUP, resource: 'imageupdaters' };
const KIND: GroupKind = { group: IMAGE_UPDATER_GROUP, kind: 'ImageUpdater' };
const API_VERSION = `${IMAGE_UPDATER_GROUP}/v1alpha1`;

const key = (namespace: string, name: string) => `${namespace}/${name}`;

type Part = 'main' | 'status';

export class ImageUpdaterStore {
  private readonly store = new Map<string, JsonObject>();

  constructor(
    private readonly nextResourceVersion: () => string,
    private readonly currentResourceVersion: () => string,
  ) {}

  list(namespace: string | undefined, labelSelector: string | undefined): JsonObject {
    let matches: (labels: Record<string, string>) => boolean;
    try {
      matches = parseLabelSelector(labelSelector ?? '');
    } catch (error) {
      if (error instanceof LabelSelectorError) throw badRequest(`unable to parse labelSelector: ${error.message}`);
      throw error;
    }
    const items = [...this.store.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([entryKey, object]) => (namespace === undefined || entryKey.startsWith(`${namespace}/`)) && matches(labelsOf(object)))
      .map(([, object]) => structuredClone(object));
    return {
      apiVersion: API_VERSION,
      kind: imageUpdaterCrd().names.listKind,
      metadata: { resourceVersion: this.currentResourceVersion() },
      items,
    };
  }

  get(namespace: string, name: string): JsonObject {
    const stored = this.store.get(key(namespace, name));
    if (!stored) throw notFound(IMAGE_UPDATERS, name);
    return structuredClone(stored);
  }

  create(namespace: string, body: unknown): WriteResult {
    const candidate = candidateOf(body, namespace);
    const name = stringAt(candidate, 'metadata', 'name') ?? '';
    // The status of a create is dropped: only the subresource writes it.
    delete candidate.status;
    const admission = admitImageUpdater(candidate);
    const errors = name ? admission.errors : [{ type: 'FieldValueRequired' as const, field: 'metadata.name', detail: 'name or generateName is required' }, ...admission.errors];
    if (errors.length > 0) throw invalid(KIND, name, errors);
    if (this.store.has(key(namespace, name))) throw alreadyExists(IMAGE_UPDATERS, name);
    const metadata = objectAt(admission.object, 'metadata');
    metadata.uid = randomUUID();
    metadata.creationTimestamp = kubeTimestamp();
    metadata.resourceVersion = this.nextResourceVersion();
    metadata.generation = 1;
    this.store.set(key(namespace, name), admission.object);
    return { object: structuredClone(admission.object), unknownFields: admission.unknownFields };
  }

  /** PUT of the main resource or of `/status`. */
  replace(namespace: string, name: string, body: unknown, part: Part): WriteResult {
    const current = this.store.get(key(namespace, name));
    if (!current) throw notFound(IMAGE_UPDATERS, name);
    return this.update(current, candidateOf(body, namespace), part);
  }

  /** PATCH of the main resource or of `/status`: `change` turns the stored object into the candidate. */
  patch(namespace: string, name: string, change: (current: JsonObject) => unknown, part: Part): WriteResult {
    const current = this.store.get(key(namespace, name));
    if (!current) throw notFound(IMAGE_UPDATERS, name);
    const patched = change(structuredClone(current));
    if (!isJsonObject(patched)) throw badRequest('the patched object is not a JSON object');
    return this.update(current, candidateOf(patched, namespace), part);
  }

  /** Test backdoor: create or replace as another client would (validated, new resourceVersion). */
  put(seed: unknown): JsonObject {
    const copy = wireCopy(seed);
    if (!isJsonObject(copy)) throw new Error('an ImageUpdater must be an object');
    const body: JsonObject = { apiVersion: API_VERSION, kind: KIND.kind, ...copy };
    const namespace = stringAt(body, 'metadata', 'namespace');
    const name = stringAt(body, 'metadata', 'name');
    if (!namespace || !name) throw new Error('an ImageUpdater needs metadata.namespace and metadata.name');
    delete objectAt(body, 'metadata').resourceVersion;
    const current = this.store.get(key(namespace, name));
    try {
      if (!current) return this.create(namespace, body).object;
      const main = this.update(current, structuredClone(body), 'main').object;
      return body.status === undefined ? main : this.update(this.store.get(key(namespace, name)) ?? main, body, 'status').object;
    } catch (error) {
      throw new Error(`kube-api double rejected ImageUpdater ${namespace}/${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  peek(namespace: string, name: string): JsonObject | undefined {
    const stored = this.store.get(key(namespace, name));
    return stored && structuredClone(stored);
  }

  all(): JsonObject[] {
    return [...this.store.values()].map((object) => structuredClone(object));
  }

  private update(current: JsonObject, candidate: JsonObject, part: Part): WriteResult {
    const name = stringAt(current, 'metadata', 'name') ?? '';
    if ((stringAt(candidate, 'metadata', 'name') ?? '') !== name) {
      throw badRequest(`the name of the object (${String(stringAt(candidate, 'metadata', 'name'))}) does not match the name on the URL (${name})`);
    }
    // The status strategy keeps everything but the status; the main one keeps the status.
    const merged: JsonObject =
      part === 'status'
        ? { ...structuredClone(current), status: candidate.status, metadata: { ...structuredClone(objectAt(current, 'metadata')), resourceVersion: stringAt(candidate, 'metadata', 'resourceVersion') } }
        : { ...candidate, status: structuredClone(current.status) };
    if (merged.status === undefined) delete merged.status;
    const admission = admitImageUpdater(merged);
    const currentMetadata = objectAt(current, 'metadata');
    const precondition = stringAt(admission.object, 'metadata', 'resourceVersion');
    if (precondition && precondition !== currentMetadata.resourceVersion) throw conflict(IMAGE_UPDATERS, name);
    if (admission.errors.length > 0) throw invalid(KIND, name, admission.errors);

    const next = admission.object;
    const metadata = objectAt(next, 'metadata');
    for (const field of ['uid', 'creationTimestamp', 'resourceVersion', 'generation']) metadata[field] = currentMetadata[field];
    if (isDeepStrictEqual(next, current)) return { object: structuredClone(current), unknownFields: admission.unknownFields };
    if (!isDeepStrictEqual(next.spec, current.spec)) metadata.generation = Number(currentMetadata.generation ?? 0) + 1;
    metadata.resourceVersion = this.nextResourceVersion();
    this.store.set(key(String(metadata.namespace), name), next);
    return { object: structuredClone(next), unknownFields: admission.unknownFields };
  }
}

function candidateOf(body: unknown, namespace: string): JsonObject {
  if (!isJsonObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
  if (body.apiVersion !== API_VERSION || body.kind !== KIND.kind) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${API_VERSION}) or kind (${KIND.kind})`);
  }
  const metadata = objectAt(body, 'metadata');
  if (metadata.namespace === undefined || metadata.namespace === '') metadata.namespace = namespace;
  if (metadata.namespace !== namespace) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  return body;
}

function labelsOf(object: JsonObject): Record<string, string> {
  const labels = isJsonObject(object.metadata) ? object.metadata.labels : undefined;
  if (!isJsonObject(labels)) return {};
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
