// Surgical edits of a YAML file: a changed scalar is rewritten where it stands, a new key or list
// item is inserted as new lines, and every other byte (comments, blank lines, order, indentation,
// quoting) stays as it was. What cannot be done in place (flow collections, an empty document, a
// key without a value) falls back to the `yaml` Document API, which still keeps comments and order.
import { Document, isAlias, isCollection, isMap, isNode, isPair, isScalar, isSeq, parse, parseDocument, visit, type Node, type Scalar } from 'yaml';

export type YamlPath = (string | number)[];

/** True when `value` reads back as the same string as a plain scalar under YAML 1.1 and 1.2. */
export function isPlainSafe(value: string): boolean {
  if (!/^[A-Za-z0-9_./+-][A-Za-z0-9_./:@+-]*$/.test(value)) return false;
  try {
    return parse(value, { version: '1.1' }) === value && parse(value) === value;
  } catch {
    return false;
  }
}

/** A string scalar as YAML text, quoted as `previous` was or when YAML 1.1 would read another type (`1.10`). */
export function renderScalar(value: string, previous?: Scalar): string {
  if (previous?.type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  if (previous?.type === 'QUOTE_DOUBLE' || !isPlainSafe(value)) return JSON.stringify(value);
  return value;
}

/**
 * True for a missing file or a document with nothing in it (only comments, `null`).
 * @throws Error when the text is not valid YAML.
 */
export function isBlankYaml(text: string | undefined): text is undefined {
  if (text === undefined) return true;
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new Error(`not valid YAML: ${document.errors[0]?.message ?? 'parse error'}`);
  return document.toJS() == null;
}

/** Raised inside the editor when an edit cannot be made in place. */
class NotInPlace extends Error {}

export class YamlEditor {
  private text: string;
  /** Set once an edit had to go through the Document API: from then on every edit does. */
  private document?: Document.Parsed;

  constructor(text: string) {
    this.text = text;
    const parsed = parseDocument(text);
    if (parsed.errors.length > 0) throw new Error(`not valid YAML: ${parsed.errors[0]?.message ?? 'parse error'}`);
  }

  /** The plain value at `path`, or undefined. */
  get(path: YamlPath): unknown {
    const node = this.current().getIn(path, true);
    return isNode(node) ? node.toJSON() : node;
  }

  /** The whole document as plain data. */
  toJSON(): unknown {
    return this.current().toJS();
  }

  /** Sets the string at `path`, creating maps on the way; a sequence index must exist. */
  set(path: YamlPath, value: unknown): void {
    if (this.document) return this.setInDocument(path, value);
    try {
      this.text = setInText(this.text, path, value);
    } catch (error) {
      if (!(error instanceof NotInPlace)) throw error;
      this.document = parseDocument(this.text);
      this.setInDocument(path, value);
    }
  }

  /** Appends `item` to the sequence at `path`, creating it when missing. */
  append(path: YamlPath, item: unknown): void {
    const existing = this.current().getIn(path, true);
    if (existing === undefined || (isScalar(existing) && existing.value === null)) return this.set(path, [item]);
    if (!isSeq(existing)) throw new Error(`${describePath(path)} is not a list`);
    if (!this.document) {
      try {
        this.text = appendToSequence(this.text, existing, item);
        return;
      } catch (error) {
        if (!(error instanceof NotInPlace)) throw error;
        this.document = parseDocument(this.text);
      }
    }
    const sequence = this.document.getIn(path, true);
    if (isSeq(sequence)) sequence.items.push(quotedNode(this.document, item));
  }

  /** Removes the key at `path` (a no-op when it is missing). */
  delete(path: YamlPath): void {
    const parentPath = path.slice(0, -1);
    const key = path.at(-1);
    const parent = this.current().getIn(parentPath, true);
    if (!isMap(parent) || typeof key !== 'string') return;
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (!pair) return;
    if (!this.document) {
      const start = isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
      const from = lineStart(this.text, start);
      const onlyKeyOnLine = /^ *$/.test(this.text.slice(from, start));
      const end = lineEnd(this.text, contentEnd(pair));
      if (onlyKeyOnLine && parent.items.length > 1 && !this.text.slice(start, end).includes('\n')) {
        this.text = this.text.slice(0, from) + this.text.slice(Math.min(end + 1, this.text.length));
        return;
      }
      this.document = parseDocument(this.text);
    }
    this.document.deleteIn(path);
  }

  toString(): string {
    return this.document ? this.document.toString() : this.text;
  }

  private current(): Document.Parsed {
    return this.document ?? parseDocument(this.text);
  }

  private setInDocument(path: YamlPath, value: unknown): void {
    const document = this.document as Document.Parsed;
    checkIndexes(document, path);
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
      document.contents = quotedNode(document, {}) as typeof document.contents;
    }
    document.setIn(path, quotedNode(document, value));
  }
}

function describePath(path: YamlPath): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : part)).join('.');
}

/** A node for `value` whose strings are quoted where a plain scalar would read as another type. */
function quotedNode(document: Document, value: unknown): Node {
  const node = document.createNode(value);
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && !isPlainSafe(scalar.value)) scalar.type = 'QUOTE_DOUBLE';
    },
  });
  return node;
}

/** A new YAML file for `value`: compact sequences (`- a` under its key), ambiguous strings quoted. */
export function renderYaml(value: unknown): string {
  const document = new Document();
  document.contents = quotedNode(document, value) as typeof document.contents;
  return document.toString({ indentSeq: false });
}

function renderBlock(value: unknown): string {
  return renderYaml(value).replace(/\n$/, '');
}

function checkIndexes(document: Document, path: YamlPath): void {
  for (let depth = 0; depth < path.length; depth++) {
    const part = path[depth];
    if (typeof part !== 'number') continue;
    const parent = document.getIn(path.slice(0, depth), true);
    if (!isSeq(parent) || part >= parent.items.length) throw new Error(`${describePath(path.slice(0, depth + 1))}: no such list item`);
  }
}

function setInText(text: string, path: YamlPath, value: unknown): string {
  const document = parseDocument(text);
  let node: unknown = document.contents;
  if (node === null || (isScalar(node) && node.value === null)) throw new NotInPlace();
  for (let depth = 0; depth < path.length; depth++) {
    const part = path[depth] as string | number;
    const rest = path.slice(depth + 1);
    if (isAlias(node)) node = node.resolve(document);
    if (typeof part === 'number') {
      if (!isSeq(node) || part >= node.items.length) throw new Error(`${describePath(path.slice(0, depth + 1))}: no such list item`);
      node = node.items[part];
      continue;
    }
    if (!isMap(node)) throw new Error(`${describePath(path.slice(0, depth))} is not a map`);
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === part);
    if (!pair) {
      if (rest.some((next) => typeof next === 'number')) throw new Error(`${describePath(path.slice(0, depth + 1))}: no such list`);
      return appendToMap(text, node, part, nest(rest, value));
    }
    node = pair.value;
    if (node === null || (isScalar(node) && node.value === null && rest.length > 0)) throw new NotInPlace();
  }
  if (isAlias(node)) node = node.resolve(document);
  if (!['string', 'boolean', 'number'].includes(typeof value)) throw new NotInPlace();
  if (!isScalar(node) || node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL') throw new NotInPlace();
  if (node.value === value) return text;
  const [start, end] = node.range ?? [0, 0];
  const rendered = typeof value === 'string' ? renderScalar(value, node.value === null ? undefined : node) : String(value);
  return text.slice(0, start) + rendered + text.slice(end);
}

function nest(path: YamlPath, value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/** Where the last line of `node`'s own content ends (before trailing comments and blank lines). */
function contentEnd(node: unknown): number {
  if (isPair(node)) return contentEnd(node.value ?? node.key);
  if (isCollection(node)) {
    const last = node.items.at(-1);
    if (last === undefined) return node.range?.[1] ?? 0;
    return contentEnd(last);
  }
  return isNode(node) ? (node.range?.[1] ?? 0) : 0;
}

function lineEnd(text: string, position: number): number {
  const newline = text.indexOf('\n', Math.max(0, position - 1));
  return newline < 0 ? text.length : newline;
}

function lineStart(text: string, position: number): number {
  return text.lastIndexOf('\n', position - 1) + 1;
}

function insertLines(text: string, after: number, lines: string[]): string {
  const at = lineEnd(text, after);
  return text.slice(0, at) + lines.map((line) => `\n${line}`).join('') + text.slice(at);
}

function appendToMap(text: string, map: { flow?: boolean; items: { key: unknown }[] }, key: string, value: unknown): string {
  const first = map.items[0];
  if (map.flow || !first || !isNode(first.key)) throw new NotInPlace();
  const keyStart = first.key.range?.[0] ?? 0;
  // A map that is a list item starts after its `- `: its keys line up one column further.
  const before = text.slice(lineStart(text, keyStart), keyStart);
  if (!/^ *(?:- +)*$/.test(before)) throw new NotInPlace();
  const indent = ' '.repeat(before.length);
  const lines = renderBlock({ [key]: value }).split('\n');
  return insertLines(text, contentEnd(map), lines.map((line) => indent + line));
}

function appendToSequence(text: string, sequence: { flow?: boolean; items: unknown[] }, item: unknown): string {
  const first = sequence.items[0];
  if (sequence.flow || !isNode(first)) throw new NotInPlace();
  const itemStart = first.range?.[0] ?? 0;
  const prefix = text.slice(lineStart(text, itemStart), itemStart);
  if (!/^ *- +$/.test(prefix)) throw new NotInPlace();
  const continuation = ' '.repeat(prefix.length);
  const lines = renderBlock(item)
    .split('\n')
    .map((line, index) => (index === 0 ? prefix : continuation) + line);
  return insertLines(text, contentEnd(sequence), lines);
}
