// The two patch formats kube-apiserver accepts for custom resources: JSON merge patch (RFC 7386)
// and JSON patch (RFC 6902), with the failure modes of evanphx/json-patch, which it uses.

import { isDeepStrictEqual } from 'node:util';
import { isJsonObject } from './json';

/** RFC 7386: objects merge recursively, `null` removes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return patch;
  const result = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** The patch document is not a list of operations: kube answers 400. */
export class JsonPatchDecodeError extends Error {}

/** An operation does not apply to the object: kube answers 422. */
export class JsonPatchApplyError extends Error {}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) {
    throw new JsonPatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  return patch.map((entry) => {
    if (!isJsonObject(entry)) {
      throw new JsonPatchDecodeError('json: cannot unmarshal non-object into Go value of type jsonpatch.Operation');
    }
    const { op, path, from } = entry;
    return {
      op: typeof op === 'string' ? op : 'unknown',
      path: typeof path === 'string' ? path : '',
      ...(typeof from === 'string' ? { from } : {}),
      value: entry.value,
      hasValue: 'value' in entry,
    };
  });
}

/**
 * The tokens of an RFC 6901 pointer, under a `root` member: operations run on `{ root: document }`
 * so that the empty pointer (the whole document) needs no special case.
 */
function rootedTokens(pointer: string): string[] {
  if (pointer !== '' && !pointer.startsWith('/')) {
    throw new JsonPatchApplyError(`invalid JSON pointer: ${JSON.stringify(pointer)}`);
  }
  const tokens = pointer === '' ? [] : pointer.slice(1).split('/');
  return ['root', ...tokens.map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'))];
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new JsonPatchApplyError(`invalid array index: ${token}`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) throw new JsonPatchApplyError(`index out of bounds: ${token}`);
  return index;
}

interface Location {
  container: unknown;
  key: string;
}

function locate(document: Wrapper, pointer: string): Location {
  const tokens = rootedTokens(pointer);
  const key = tokens.pop() ?? 'root';
  let container: unknown = document;
  for (const token of tokens) {
    if (Array.isArray(container)) container = container[arrayIndex(token, container.length, false)];
    else if (isJsonObject(container) && token in container) container = container[token];
    else throw new JsonPatchApplyError(`doc is missing path: ${pointer}`);
  }
  return { container, key };
}

function read({ container, key }: Location): { found: boolean; value: unknown } {
  if (Array.isArray(container)) return { found: true, value: container[arrayIndex(key, container.length, false)] };
  if (isJsonObject(container) && key in container) return { found: true, value: container[key] };
  return { found: false, value: undefined };
}

function add({ container, key }: Location, value: unknown): void {
  if (Array.isArray(container)) container.splice(arrayIndex(key, container.length, true), 0, value);
  else if (isJsonObject(container)) container[key] = value;
  else throw new JsonPatchApplyError(`add operation does not apply: doc is missing path`);
}

function remove({ container, key }: Location): unknown {
  if (Array.isArray(container)) return container.splice(arrayIndex(key, container.length, false), 1)[0];
  if (isJsonObject(container) && key in container) {
    const removed = container[key];
    delete container[key];
    return removed;
  }
  throw new JsonPatchApplyError(`doc is missing key: ${key}`);
}

function requireValue(operation: Operation): unknown {
  if (!operation.hasValue) throw new JsonPatchApplyError(`${operation.op} operation has no value`);
  return structuredClone(operation.value);
}

function requireFrom(operation: Operation): string {
  if (operation.from === undefined) throw new JsonPatchApplyError(`${operation.op} operation has no from`);
  return operation.from;
}

type Wrapper = { root: unknown };

/**
 * RFC 6902 on a copy of `document`. Throws JsonPatchDecodeError for a malformed patch and
 * JsonPatchApplyError when an operation does not apply (including a failed `test`).
 */
export function applyJsonPatch(document: unknown, patch: unknown): unknown {
  const operations = decodeOperations(patch);
  const wrapper: Wrapper = { root: structuredClone(document) };
  for (const operation of operations) {
    switch (operation.op) {
      case 'add':
        add(locate(wrapper, operation.path), requireValue(operation));
        break;
      case 'remove':
        remove(locate(wrapper, operation.path));
        break;
      case 'replace': {
        const value = requireValue(operation);
        const target = locate(wrapper, operation.path);
        remove(target);
        add(target, value);
        break;
      }
      case 'move': {
        const value = remove(locate(wrapper, requireFrom(operation)));
        add(locate(wrapper, operation.path), value);
        break;
      }
      case 'copy': {
        const source = read(locate(wrapper, requireFrom(operation)));
        if (!source.found) throw new JsonPatchApplyError('copy operation does not apply: doc is missing from path');
        add(locate(wrapper, operation.path), structuredClone(source.value));
        break;
      }
      case 'test': {
        const target = read(locate(wrapper, operation.path));
        // evanphx/json-patch compares a missing member as null.
        const actual = target.found ? target.value : null;
        if (!isDeepStrictEqual(actual, operation.hasValue ? operation.value : null)) {
          throw new JsonPatchApplyError(`testing value ${operation.path} failed: test failed`);
        }
        break;
      }
      default:
        throw new JsonPatchApplyError(`Unexpected kind: ${operation.op}`);
    }
  }
  return wrapper.root;
}
