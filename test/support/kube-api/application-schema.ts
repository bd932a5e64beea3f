// What kube-apiserver does to an Application before it stores it: prune the fields the CRD's
// structural schema does not know (silently, reporting them as warnings), then validate the rest
// against `openAPIV3Schema`. The schema is Argo CD's own CRD, test/fixtures/argocd-application-crd.yaml.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { isJsonObject, type JsonObject } from './json';
import type { FieldError } from './status';

const CRD_PATH = fileURLToPath(new URL('../../fixtures/argocd-application-crd.yaml', import.meta.url));

interface SchemaNode {
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  nullable?: boolean;
  anyOf?: SchemaNode[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  [keyword: string]: unknown;
}

export interface CrdNames {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
}

export interface CustomResourceDefinition {
  group: string;
  version: string;
  names: CrdNames;
  schema: SchemaNode;
  validate: ValidateFunction;
}

/** The ObjectMeta fields an API server keeps; it drops any other member of `metadata`. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The schema as kube-openapi validates it. kube turns `x-kubernetes-int-or-string` into the type
 * list `integer,string` (which is also how its error message names it); every other `x-kubernetes-*`
 * keyword is an annotation for validation.
 */
function validationSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(validationSchema);
  if (!isJsonObject(node)) return node;
  const converted: JsonObject = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword === 'description') continue;
    converted[keyword] = keyword === 'properties' && isJsonObject(value)
      ? Object.fromEntries(Object.entries(value).map(([name, child]) => [name, validationSchema(child)]))
      : validationSchema(value);
  }
  if (converted['x-kubernetes-int-or-string'] === true) {
    delete converted.anyOf;
    converted.type = ['integer', 'string'];
  }
  return converted;
}

export type ApplicationCrd = CustomResourceDefinition;

/** A CRD from test/fixtures; `useDefaults` applies the schema's `default`s as kube-apiserver does. */
export function loadCrd(path = CRD_PATH, options: { useDefaults?: boolean } = {}): CustomResourceDefinition {
  const crd: unknown = parse(readFileSync(path, 'utf8'));
  if (!isJsonObject(crd) || !isJsonObject(crd.spec) || !Array.isArray(crd.spec.versions)) {
    throw new Error(`${path} is not a CustomResourceDefinition`);
  }
  const version: unknown = crd.spec.versions.find((candidate) => isJsonObject(candidate) && candidate.storage === true);
  const schema = isJsonObject(version) && isJsonObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
  if (!isJsonObject(version) || typeof version.name !== 'string' || !isJsonObject(schema)) {
    throw new Error(`${path} has no storage version with an openAPIV3Schema`);
  }
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    useDefaults: options.useDefaults ?? false,
    formats: { int64: true, int32: true, 'date-time': RFC3339 },
    // Compiling the 400 kB schema without ajv's code optimisation takes a third of the time.
    code: { optimize: false },
  });
  // The fixture is Argo CD's published CRD: its shapes are those SchemaNode and CrdNames describe.
  return {
    group: String(crd.spec.group),
    version: version.name,
    names: crd.spec.names as CrdNames,
    schema: schema as SchemaNode,
    validate: ajv.compile(validationSchema(schema) as object),
  };
}

let loaded: ApplicationCrd | undefined;

export function applicationCrd(): ApplicationCrd {
  loaded ??= loadCrd();
  return loaded;
}

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/**
 * Structural pruning (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning): unknown fields
 * go, except under `x-kubernetes-preserve-unknown-fields`; so do nulls in fields that are not
 * `nullable` (schema/defaulting/prunenulls.go).
 */
function prune(value: unknown, schema: SchemaNode, path: string, pruned: string[]): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((item, index) => prune(item, items, `${path}[${index}]`, pruned)) : value;
  }
  return isJsonObject(value) ? pruneObject(value, schema, path, pruned) : value;
}

export function pruneObject(value: JsonObject, schema: SchemaNode, path: string, pruned: string[]): JsonObject {
  const keepsUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const additional = schema.additionalProperties;
  const result: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    const memberSchema = schema.properties?.[key] ?? (isJsonObject(additional) ? additional : undefined);
    if (memberSchema) {
      if (member === null && memberSchema.nullable !== true) continue;
      result[key] = prune(member, memberSchema, childPath(path, key), pruned);
    } else if (keepsUnknown || additional === true) {
      result[key] = member;
    } else {
      pruned.push(childPath(path, key));
    }
  }
  return result;
}

function jsonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** kube's field path for an ajv instance path: `spec.sources[0].helm.parameters[1].value`. */
function locate(root: unknown, instancePath: string): { path: string; value: unknown } {
  let path = '';
  let value = root;
  const tokens = instancePath === '' ? [] : instancePath.slice(1).split('/');
  for (const escaped of tokens) {
    const token = escaped.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path = `${path}[${token}]`;
      value = value[Number(token)];
    } else {
      path = childPath(path, token);
      value = isJsonObject(value) ? value[token] : undefined;
    }
  }
  return { path, value };
}

/** One ajv error worded as kube-openapi's validator and apiextensions' ValidateCustomResource word it. */
export function toFieldError(error: ErrorObject, object: JsonObject): FieldError {
  const { path, value } = locate(object, error.instancePath);
  const param = (name: string) => String(error.params[name]);
  switch (error.keyword) {
    case 'required':
      return { type: 'FieldValueRequired', field: childPath(path, param('missingProperty')) };
    case 'type': {
      const actual = jsonTypeName(value);
      return {
        type: 'FieldValueInvalid',
        field: path,
        badValue: actual,
        detail: `${path} in body must be of type ${param('type')}: "${actual}"`,
      };
    }
    case 'pattern':
      return { type: 'FieldValueInvalid', field: path, badValue: value, detail: `${path} in body should match '${param('pattern')}'` };
    case 'minLength':
      return {
        type: 'FieldValueInvalid',
        field: path,
        badValue: value,
        detail: `${path} in body should be at least ${param('limit')} chars long`,
      };
    case 'format':
      return {
        type: 'FieldValueInvalid',
        field: path,
        badValue: value,
        detail: `${path} in body must be of type ${param('format')}: ${JSON.stringify(value)}`,
      };
    default:
      return { type: 'FieldValueInvalid', field: path, badValue: value, detail: `${path} in body ${error.message ?? 'is invalid'}` };
  }
}

export interface Admission {
  /** The object as it would be stored: pruned. */
  object: JsonObject;
  /** Paths of the dropped unknown fields, for `Warning: unknown field "..."` headers. */
  unknownFields: string[];
  errors: FieldError[];
}

/** Prunes and validates an Application the way kube-apiserver does on create, update and patch. */
export function admitApplication(candidate: JsonObject): Admission {
  return admitCustomResource(applicationCrd(), candidate);
}

/** Prunes, defaults (when the CRD was loaded so) and validates a custom resource against its schema. */
export function admitCustomResource(crd: CustomResourceDefinition, candidate: JsonObject): Admission {
  const unknownFields: string[] = [];
  // `metadata` is ObjectMeta, not described by the CRD schema (it only says `type: object`).
  const { metadata, ...described } = candidate;
  const pruned = pruneObject(described, crd.schema, '', unknownFields);
  const object: JsonObject = {};
  for (const key of Object.keys(candidate)) {
    if (key === 'metadata' && isJsonObject(metadata)) {
      object.metadata = Object.fromEntries(Object.entries(metadata).filter(([field]) => OBJECT_META_FIELDS.has(field)));
    } else if (key in pruned) {
      object[key] = pruned[key];
    }
  }
  const errors = crd.validate(object) ? [] : (crd.validate.errors ?? []).map((error) => toFieldError(error, object));
  return { object, unknownFields, errors };
}
