// Label selectors with the grammar and matching rules of k8s.io/apimachinery/pkg/labels (Parse):
// `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`, `a>1`, `a<1`; comma means AND.

export type LabelMatcher = (labels: Record<string, string>) => boolean;

export class LabelSelectorError extends Error {}

type Token =
  | { kind: 'identifier'; text: string }
  | { kind: 'symbol'; text: '!' | '=' | '==' | '!=' | '(' | ')' | ',' | '>' | '<' }
  | { kind: 'end'; text: '' };

const SYMBOLS = ['==', '!=', '!', '=', '(', ')', ',', '>', '<'] as const;

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < selector.length) {
    const char = selector.charAt(position);
    if (/\s/.test(char)) {
      position += 1;
      continue;
    }
    const symbol = SYMBOLS.find((candidate) => selector.startsWith(candidate, position));
    if (symbol) {
      tokens.push({ kind: 'symbol', text: symbol });
      position += symbol.length;
      continue;
    }
    let end = position;
    while (end < selector.length && !/[\s!=(),<>]/.test(selector.charAt(end))) end += 1;
    tokens.push({ kind: 'identifier', text: selector.slice(position, end) });
    position = end;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const validPrefix = prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix));
  if (!validPrefix || name.length > 63 || !NAME_PART.test(name)) {
    throw new LabelSelectorError(`unable to parse requirement: invalid label key "${key}"`);
  }
}

function checkValue(value: string): void {
  if (value !== '' && (value.length > 63 || !NAME_PART.test(value))) {
    throw new LabelSelectorError(`unable to parse requirement: invalid label value: "${value}"`);
  }
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.position] ?? { kind: 'end', text: '' };
  }

  private take(): Token {
    const token = this.peek();
    this.position += 1;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw new LabelSelectorError(`found '${token.text}', expected: ${expected}`);
  }

  parse(): LabelMatcher[] {
    const matchers: LabelMatcher[] = [];
    if (this.peek().kind === 'end') return matchers;
    for (;;) {
      matchers.push(this.requirement());
      const separator = this.take();
      if (separator.kind === 'end') return matchers;
      if (separator.text !== ',') this.fail(separator, "',' or 'end of string'");
      const next = this.peek();
      if (next.kind !== 'identifier' && next.text !== '!') this.fail(next, "identifier after ','");
    }
  }

  private key(): string {
    const token = this.take();
    if (token.kind !== 'identifier') this.fail(token, 'identifier');
    checkKey(token.text);
    return token.text;
  }

  private requirement(): LabelMatcher {
    if (this.peek().text === '!') {
      this.take();
      const key = this.key();
      return (labels) => !(key in labels);
    }
    const key = this.key();
    const operator = this.peek();
    if (operator.kind === 'end' || operator.text === ',') return (labels) => key in labels;
    this.take();
    switch (operator.text) {
      case '=':
      case '==': {
        const value = this.exactValue();
        return (labels) => labels[key] === value;
      }
      case '!=': {
        const value = this.exactValue();
        return (labels) => labels[key] !== value;
      }
      case '>':
      case '<': {
        const bound = this.integerValue();
        return (labels) => {
          const label = labels[key];
          if (label === undefined || !/^-?\d+$/.test(label)) return false;
          return operator.text === '>' ? Number(label) > bound : Number(label) < bound;
        };
      }
      case 'in': {
        const values = this.valueSet();
        return (labels) => key in labels && values.has(labels[key] ?? '');
      }
      case 'notin': {
        const values = this.valueSet();
        return (labels) => !(key in labels) || !values.has(labels[key] ?? '');
      }
      default:
        return this.fail(operator, '=, ==, !=, in, notin, >, <');
    }
  }

  private exactValue(): string {
    const token = this.peek();
    if (token.kind === 'end' || token.text === ',') return '';
    this.take();
    if (token.kind !== 'identifier') this.fail(token, 'identifier');
    checkValue(token.text);
    return token.text;
  }

  private integerValue(): number {
    const token = this.take();
    if (token.kind !== 'identifier' || !/^-?\d+$/.test(token.text)) this.fail(token, 'an integer');
    return Number(token.text);
  }

  private valueSet(): Set<string> {
    const open = this.take();
    if (open.text !== '(') this.fail(open, "'('");
    const values = new Set<string>();
    for (;;) {
      const token = this.take();
      if (token.kind === 'identifier') {
        checkValue(token.text);
        values.add(token.text);
        const after = this.take();
        if (after.text === ')') break;
        if (after.text !== ',') this.fail(after, "',' or ')'");
      } else if (token.text === ',') {
        values.add('');
      } else if (token.text === ')') {
        values.add('');
        break;
      } else {
        this.fail(token, "identifier, ',' or ')'");
      }
    }
    return values;
  }
}

/** Compiles a `labelSelector` query value; throws LabelSelectorError (answered with a 400) when malformed. */
export function parseLabelSelector(selector: string): LabelMatcher {
  const requirements = new Parser(tokenize(selector)).parse();
  return (labels) => requirements.every((matches) => matches(labels));
}
