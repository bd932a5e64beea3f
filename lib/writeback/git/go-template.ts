// The subset of Go's text/template the reference's branch and commit-message templates use:
// `{{ .Field }}`, `{{ range .List }}…{{ end }}` (with `{{ . }}` inside), and the `{{-`/`-}}` trim
// markers. Nothing else runs: a template is data, never code.

type TemplateNode = { text: string } | { field: string[] } | { range: string[]; body: TemplateNode[] };

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface GoTemplate {
  source: string;
  nodes: TemplateNode[];
}

/** @throws TemplateError naming what is not supported. */
export function parseGoTemplate(source: string): GoTemplate {
  const tokens = tokenize(source);
  let position = 0;
  const parseUntilEnd = (inRange: boolean): TemplateNode[] => {
    const nodes: TemplateNode[] = [];
    while (position < tokens.length) {
      const token = tokens[position++] as Token;
      if (token.kind === 'text') {
        nodes.push({ text: token.value });
        continue;
      }
      const action = token.value;
      if (action === 'end') {
        if (!inRange) throw new TemplateError('unexpected {{end}}');
        return nodes;
      }
      const range = /^range\s+(\S+)$/.exec(action);
      if (range) {
        nodes.push({ range: fieldPath(range[1] as string), body: parseUntilEnd(true) });
        continue;
      }
      nodes.push({ field: fieldPath(action) });
    }
    if (inRange) throw new TemplateError('unexpected end of template: {{range}} without {{end}}');
    return nodes;
  };
  return { source, nodes: parseUntilEnd(false) };
}

/** @throws TemplateError when a field does not exist or a range is not over a list. */
export function executeGoTemplate(template: GoTemplate, data: unknown): string {
  return run(template.nodes, data);
}

function run(nodes: TemplateNode[], dot: unknown): string {
  let out = '';
  for (const node of nodes) {
    if ('text' in node) out += node.text;
    else if ('field' in node) out += display(lookup(dot, node.field));
    else {
      const list = lookup(dot, node.range);
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) throw new TemplateError(`range can't iterate over .${node.range.join('.')}`);
      for (const item of list) out += run(node.body, item);
    }
  }
  return out;
}

function lookup(dot: unknown, path: string[]): unknown {
  let value = dot;
  for (const name of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) {
      throw new TemplateError(`can't evaluate field ${name}`);
    }
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function display(value: unknown): string {
  if (value === undefined || value === null) return '<no value>';
  return typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
}

/** `.` → [], `.Images` → ['Images'], `.A.B` → ['A', 'B']. */
function fieldPath(text: string): string[] {
  if (text === '.') return [];
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(text)) throw new TemplateError(`unsupported template action {{${text}}}`);
  return text.slice(1).split('.');
}

type Token = { kind: 'text' | 'action'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let rest = source;
  let trimNext = false;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    let text = open < 0 ? rest : rest.slice(0, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open < 0) {
      if (text) tokens.push({ kind: 'text', value: text });
      break;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError('unclosed action: missing }}');
    let inner = rest.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    if (text) tokens.push({ kind: 'text', value: text });
    const action = inner.trim();
    if (action.startsWith('/*')) {
      rest = rest.slice(close + 2);
      continue;
    }
    tokens.push({ kind: 'action', value: action });
    rest = rest.slice(close + 2);
  }
  return tokens;
}
