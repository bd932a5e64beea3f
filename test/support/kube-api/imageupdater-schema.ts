// What kube-apiserver does to an ImageUpdater before it stores it: prune, apply the schema's
// defaults, validate against `openAPIV3Schema`, check list-map keys for duplicates, and evaluate
// the CRD's CEL rules (`x-kubernetes-validations`). The schema is Argo CD Image Updater's own CRD,
// test/fixtures/argocd-image-updater-imageupdaters-crd.yaml. There is no CEL engine here: each rule
// the CRD carries is written out below, keyed by its exact text, and a rule not listed fails loudly
// so that a new CRD version cannot be half-checked.

import { fileURLToPath } from 'node:url';
import { admitCustomResource, loadCrd, type Admission, type CustomResourceDefinition } from './application-schema';
import { isJsonObject, type JsonObject } from './json';
import type { FieldError } from './status';

const CRD_PATH = fileURLToPath(new URL('../../fixtures/argocd-image-updater-imageupdaters-crd.yaml', import.meta.url));

type CelRule = (self: JsonObject) => boolean;

const has = (self: JsonObject, field: string): boolean => self[field] !== undefined;
const count = (self: JsonObject, ...fields: string[]): number => fields.filter((field) => has(self, field)).length;

const CEL_RULES: Record<string, CelRule> = {
  'self.enabled == false || has(self.cosignKey)': (self) => self.enabled === false || has(self, 'cosignKey'),
  'has(self.spec) || has(self.name)': (self) => has(self, 'spec') || has(self, 'name'),
  '(has(self.helm) ? 1 : 0) + (has(self.kustomize) ? 1 : 0) + (has(self.plugin) ? 1 : 0) == 1': (self) =>
    count(self, 'helm', 'kustomize', 'plugin') === 1,
  '(has(self.github) ? 1 : 0) + (has(self.gitlab) ? 1 : 0) == 1': (self) => count(self, 'github', 'gitlab') === 1,
  '!(has(self.useAnnotations) && self.useAnnotations == true) ? (has(self.images) && size(self.images) > 0) : true': (self) =>
    self.useAnnotations === true || (Array.isArray(self.images) && self.images.length > 0),
};

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
}

let loaded: CustomResourceDefinition | undefined;

export function imageUpdaterCrd(): CustomResourceDefinition {
  loaded ??= loadCrd(CRD_PATH, { useDefaults: true });
  return loaded;
}

/** Prunes, defaults and validates an ImageUpdater the way kube-apiserver does on every write. */
export function admitImageUpdater(candidate: JsonObject): Admission {
  const crd = imageUpdaterCrd();
  const admission = admitCustomResource(crd, candidate);
  const { metadata: _metadata, ...described } = admission.object;
  admission.errors.push(...structuralErrors(crd.schema as SchemaNode, described, ''));
  return admission;
}

function childPath(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** CEL rule failures and duplicate list-map keys, in document order. */
function structuralErrors(schema: SchemaNode, value: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (Array.isArray(value)) {
    const keys = schema['x-kubernetes-list-type'] === 'map' ? (schema['x-kubernetes-list-map-keys'] ?? []) : [];
    const seen = new Set<string>();
    value.forEach((item, index) => {
      if (keys.length > 0 && isJsonObject(item)) {
        const key = Object.fromEntries(keys.map((name) => [name, item[name]]));
        const text = JSON.stringify(key);
        if (seen.has(text)) errors.push({ type: 'FieldValueDuplicate', field: `${path}[${index}]`, badValue: key });
        seen.add(text);
      }
      if (schema.items) errors.push(...structuralErrors(schema.items, item, `${path}[${index}]`));
    });
    return errors;
  }
  if (!isJsonObject(value)) return errors;
  for (const { rule, message } of schema['x-kubernetes-validations'] ?? []) {
    const evaluate = CEL_RULES[rule];
    if (!evaluate) throw new Error(`the kube-api double does not know the CEL rule ${JSON.stringify(rule)}`);
    if (!evaluate(value)) {
      errors.push({ type: 'FieldValueInvalid', field: path, badValue: 'object', detail: message ?? `failed rule: ${rule}` });
    }
  }
  for (const [key, member] of Object.entries(value)) {
    const additional = isJsonObject(schema.additionalProperties) ? (schema.additionalProperties as SchemaNode) : undefined;
    const memberSchema = schema.properties?.[key] ?? additional;
    if (memberSchema) errors.push(...structuralErrors(memberSchema, member, childPath(path, key)));
  }
  return errors;
}
