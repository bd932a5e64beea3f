// Maps kube-apiserver URLs and media types onto the Cluster, and serves discovery.

import { applicationCrd } from './application-schema';
import { APPLICATIONS, type Cluster, type ListOptions, type WriteResult } from './cluster';
import { isJsonObject, type JsonObject } from './json';
import { IMAGE_UPDATER_GROUP, IMAGE_UPDATERS, type ImageUpdaterStore } from './imageupdaters';
import { imageUpdaterCrd } from './imageupdater-schema';
import { applyJsonPatch, applyMergePatch, JsonPatchApplyError, JsonPatchDecodeError } from './patch';
import { badRequest, forbidden, methodNotAllowed, pathNotFound, patchNotApplied, unsupportedMediaType } from './status';

export interface ApiRequest {
  method: string;
  /** Whom RBAC denies what: the user, and the `resource` or `resource/subresource` names refused. */
  rbac?: { user: string; forbidden: readonly string[] };
  /** Decoded path segments. */
  segments: string[];
  query: URLSearchParams;
  /** Media type of the body, without parameters, lower case; "" when absent. */
  mediaType: string;
  body: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  /** Texts for `Warning: 299 - "<text>"` headers. */
  warnings?: string[];
}

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const APPLY_PATCH = 'application/apply-patch+yaml';
/**
 * The patch types apiextensions-apiserver serves for custom resources (crdHandler.serveResource).
 * Strategic merge patch is not among them: kube answers it with 415.
 */
const CUSTOM_RESOURCE_PATCH_TYPES = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH];
const BODY_TYPES = ['application/json'];

const SERVED_VERSION = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function coreResources(): JsonObject {
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ALL_VERBS, shortNames: ['ev'] },
      { name: 'secrets', singularName: 'secret', namespaced: true, kind: 'Secret', verbs: ALL_VERBS },
    ],
  };
}

function argoGroup(crd: { group: string; version: string } = applicationCrd()): JsonObject {
  const { group, version } = crd;
  const groupVersion = { groupVersion: `${group}/${version}`, version };
  return { name: group, versions: [groupVersion], preferredVersion: groupVersion };
}

function argoResources(): JsonObject {
  const { group, version, names } = applicationCrd();
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: [
      {
        name: names.plural,
        singularName: names.singular,
        namespaced: true,
        kind: names.kind,
        verbs: ALL_VERBS,
        shortNames: names.shortNames,
      },
    ],
  };
}

function imageUpdaterResources(): JsonObject {
  const { group, version, names } = imageUpdaterCrd();
  const resource = { name: names.plural, singularName: names.singular, namespaced: true, kind: names.kind };
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: [
      { ...resource, verbs: ALL_VERBS },
      { ...resource, name: `${names.plural}/status`, singularName: '', verbs: ['get', 'patch', 'update'] },
    ],
  };
}

function discovery(segments: string[], serverAddress: string, imageUpdatersServed: boolean): unknown {
  const { group, version } = applicationCrd();
  const path = segments.join('/');
  if (imageUpdatersServed) {
    const crd = imageUpdaterCrd();
    if (path === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: [argoGroup(), argoGroup(crd)] };
    if (path === `apis/${crd.group}`) return { kind: 'APIGroup', apiVersion: 'v1', ...argoGroup(crd) };
    if (path === `apis/${crd.group}/${crd.version}`) return imageUpdaterResources();
  }
  if (path === 'version') return SERVED_VERSION;
  if (path === 'api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (path === 'api/v1') return coreResources();
  if (path === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: [argoGroup()] };
  if (path === `apis/${group}`) return { kind: 'APIGroup', apiVersion: 'v1', ...argoGroup() };
  if (path === `apis/${group}/${version}`) return argoResources();
  return undefined;
}

function parseJson(text: string, describe: (error: Error) => string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(describe(error instanceof Error ? error : new Error(String(error))));
  }
}

function decodeBody(request: ApiRequest): unknown {
  if (!BODY_TYPES.includes(request.mediaType)) throw unsupportedMediaType(BODY_TYPES);
  return parseJson(request.body, (error) => `couldn't get version/kind; json parse error: ${error.message}`);
}

/** How a PATCH body turns the stored object into the candidate, by Content-Type. */
function patchChange(request: ApiRequest): (current: JsonObject) => unknown {
  switch (request.mediaType) {
    case MERGE_PATCH:
      return (current) => {
        const patch = parseJson(request.body, () => 'Invalid JSON Patch');
        if (!isJsonObject(patch)) throw badRequest('Invalid JSON Patch');
        return applyMergePatch(current, patch);
      };
    case JSON_PATCH:
      return (current) => {
        const patch = parseJson(request.body, (error) => error.message);
        try {
          return applyJsonPatch(current, patch);
        } catch (error) {
          if (error instanceof JsonPatchDecodeError) throw badRequest(error.message);
          if (error instanceof JsonPatchApplyError) throw patchNotApplied();
          throw error;
        }
      };
    case APPLY_PATCH:
      throw badRequest('server-side apply (application/apply-patch+yaml) is not implemented by the kube-api double');
    default:
      throw unsupportedMediaType(CUSTOM_RESOURCE_PATCH_TYPES);
  }
}

/** List parameters the double does not implement are refused rather than ignored. */
function listOptions(query: URLSearchParams, namespace?: string): ListOptions {
  for (const parameter of ['watch', 'fieldSelector', 'resourceVersionMatch', 'sendInitialEvents']) {
    const value = query.get(parameter);
    if (value && value !== 'false' && value !== '0') throw badRequest(`${parameter} is not implemented by the kube-api double`);
  }
  const resourceVersion = query.get('resourceVersion');
  if (resourceVersion && resourceVersion !== '0') {
    throw badRequest('listing at a resourceVersion is not implemented by the kube-api double');
  }
  const limitText = query.get('limit');
  const limit = limitText ? Number(limitText) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw badRequest(`limit: Invalid value: ${JSON.stringify(limitText)}: must be a non-negative integer`);
  }
  const labelSelector = query.get('labelSelector');
  const continueToken = query.get('continue');
  return {
    ...(namespace === undefined ? {} : { namespace }),
    ...(labelSelector ? { labelSelector } : {}),
    ...(limit ? { limit } : {}),
    ...(continueToken ? { continueToken } : {}),
  };
}

function written(status: number, result: WriteResult): ApiResponse {
  return { status, body: result.object, warnings: result.unknownFields.map((field) => `unknown field "${field}"`) };
}

function notServed(request: ApiRequest): never {
  throw methodNotAllowed(`the kube-api double does not serve ${request.method} /${request.segments.join('/')}`);
}

function applications(cluster: Cluster, request: ApiRequest, namespace: string | undefined, name: string | undefined): ApiResponse {
  const { method } = request;
  if (namespace === undefined) {
    if (method === 'GET') return { status: 200, body: cluster.listApplications(listOptions(request.query)) };
    return notServed(request);
  }
  if (name === undefined) {
    if (method === 'GET') return { status: 200, body: cluster.listApplications(listOptions(request.query, namespace)) };
    if (method === 'POST') return written(201, cluster.createApplication(namespace, decodeBody(request)));
    return notServed(request);
  }
  switch (method) {
    case 'GET':
      return { status: 200, body: cluster.getApplication(namespace, name) };
    case 'PUT':
      return written(200, cluster.replaceApplication(namespace, name, decodeBody(request)));
    case 'PATCH':
      return written(200, cluster.patchApplication(namespace, name, patchChange(request)));
    default:
      return notServed(request);
  }
}

const VERBS: Record<string, string> = { GET: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

function imageUpdaters(store: ImageUpdaterStore, request: ApiRequest, path: (string | undefined)[]): ApiResponse {
  const { method } = request;
  const [first, namespace, plural, name, subresource, ...extra] = path;
  const all = first === IMAGE_UPDATERS.resource && namespace === undefined;
  if (!all && !(first === 'namespaces' && namespace && plural === IMAGE_UPDATERS.resource && extra.length === 0)) throw pathNotFound();
  if (subresource !== undefined && subresource !== 'status') throw pathNotFound();
  const verb = name === undefined && method === 'GET' ? 'list' : (VERBS[method] ?? method.toLowerCase());
  const resource = subresource ? `${IMAGE_UPDATERS.resource}/${subresource}` : IMAGE_UPDATERS.resource;
  if (request.rbac?.forbidden.includes(resource)) {
    throw forbidden(request.rbac.user, verb, { ...IMAGE_UPDATERS, resource }, all ? undefined : namespace, name);
  }
  if (all || name === undefined) {
    const ns = all ? undefined : namespace;
    if (method === 'GET') {
      const options = listOptions(request.query, ns);
      if (options.limit || options.continueToken) throw badRequest('paging ImageUpdaters is not implemented by the kube-api double');
      return { status: 200, body: store.list(ns, options.labelSelector) };
    }
    if (method === 'POST' && ns) return written(201, store.create(ns, decodeBody(request)));
    return notServed(request);
  }
  const part = subresource === 'status' ? 'status' : 'main';
  switch (method) {
    case 'GET':
      return { status: 200, body: store.get(namespace ?? '', name) };
    case 'PUT':
      return written(200, store.replace(namespace ?? '', name, decodeBody(request), part));
    case 'PATCH':
      return written(200, store.patch(namespace ?? '', name, patchChange(request), part));
    default:
      return notServed(request);
  }
}

/** Answers one authenticated request; failures are thrown as StatusError. */
export function route(cluster: Cluster, request: ApiRequest, serverAddress: string): ApiResponse {
  const { segments, method } = request;
  const discovered = discovery(segments, serverAddress, cluster.imageUpdaters !== undefined);
  if (discovered !== undefined) return method === 'GET' ? { status: 200, body: discovered } : notServed(request);

  const { group, version } = applicationCrd();
  const [root, ...rest] = segments;
  if (root === 'apis' && rest[0] === group && rest[1] === version) {
    const [, , first, namespace, plural, name, ...extra] = rest;
    if (first === APPLICATIONS.resource && namespace === undefined) return applications(cluster, request, undefined, undefined);
    if (first === 'namespaces' && namespace && plural === APPLICATIONS.resource && extra.length === 0) {
      return applications(cluster, request, namespace, name);
    }
  }
  if (root === 'apis' && rest[0] === IMAGE_UPDATER_GROUP && rest[1] === 'v1alpha1' && cluster.imageUpdaters) {
    return imageUpdaters(cluster.imageUpdaters, request, rest.slice(2));
  }
  if (root === 'api' && rest[0] === 'v1' && rest[1] === 'namespaces' && rest[2] && rest.length <= 5) {
    const [, , namespace = '', resource, name] = rest;
    if (resource === 'events' && name === undefined && method === 'POST') {
      return { status: 201, body: cluster.createEvent(namespace, decodeBody(request)) };
    }
    if (resource === 'secrets' && name !== undefined && method === 'GET') {
      return { status: 200, body: cluster.getSecret(namespace, name) };
    }
    if (resource === 'secrets' && name === undefined && method === 'GET') {
      return { status: 200, body: cluster.listSecrets(namespace, request.query.get('labelSelector') ?? '') };
    }
    if (resource === 'events' || resource === 'secrets') return notServed(request);
  }
  throw pathNotFound();
}
