// Go's `path/filepath.Match` on a Unix separator, exactly: `*` (any run of characters but `/`), `?`
// (one character but `/`), `[...]`/`[^...]` classes with ranges, and `\` escapes. No `**`, no braces,
// no `!` negation. A malformed pattern is an error, as Go's ErrBadPattern; `compileGoGlob` checks
// the whole pattern before any name is matched, as the reference validates each `namePattern`.

const SEPARATOR = '/';

export class BadGlobError extends Error {
  constructor(readonly pattern: string) {
    super(`syntax error in pattern ${JSON.stringify(pattern)}`);
    this.name = 'BadGlobError';
  }
}

/** Go's `filepath.Match(pattern, name)`. @throws BadGlobError where Go returns ErrBadPattern. */
export function goGlobMatch(pattern: string, name: string): boolean {
  let rest = [...pattern];
  let text = [...name];
  while (rest.length > 0) {
    const { star, chunk, remainder } = scanChunk(rest);
    rest = remainder;
    if (star && chunk.length === 0) return !text.includes(SEPARATOR);
    const here = matchChunk(pattern, chunk, text);
    if (here !== undefined && (here.length === 0 || rest.length > 0)) {
      text = here;
      continue;
    }
    let advanced = false;
    if (star) {
      for (let i = 0; i < text.length && text[i] !== SEPARATOR; i++) {
        const skipped = matchChunk(pattern, chunk, text.slice(i + 1));
        if (skipped === undefined || (rest.length === 0 && skipped.length > 0)) continue;
        text = skipped;
        advanced = true;
        break;
      }
    }
    if (advanced) continue;
    // Before answering false, the rest of the pattern must still be well formed.
    while (rest.length > 0) {
      const next = scanChunk(rest);
      rest = next.remainder;
      matchChunk(pattern, next.chunk, []);
    }
    return false;
  }
  return text.length === 0;
}

/** A matcher for `pattern`, checked whole first. @throws BadGlobError for a malformed pattern. */
export function compileGoGlob(pattern: string): (name: string) => boolean {
  validateGoGlob(pattern);
  return (name) => goGlobMatch(pattern, name);
}

/** @throws BadGlobError when any part of `pattern` is malformed. */
export function validateGoGlob(pattern: string): void {
  let rest = [...pattern];
  while (rest.length > 0) {
    const next = scanChunk(rest);
    rest = next.remainder;
    matchChunk(pattern, next.chunk, []);
  }
}

/** True when the pattern has no glob syntax, so it names exactly one string (after unescaping). */
export function isLiteralGlob(pattern: string): boolean {
  return !/[*?[]/.test(pattern);
}

/** Leading stars, then everything up to the next star outside a class. */
function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; remainder: string[] } {
  let start = 0;
  while (pattern[start] === '*') start++;
  let inRange = false;
  let i = start;
  scan: for (; i < pattern.length; i++) {
    switch (pattern[i]) {
      case '\\':
        if (i + 1 < pattern.length) i++;
        break;
      case '[':
        inRange = true;
        break;
      case ']':
        inRange = false;
        break;
      case '*':
        if (!inRange) break scan;
        break;
    }
  }
  return { star: start > 0, chunk: pattern.slice(start, i), remainder: pattern.slice(i) };
}

/**
 * The rest of `text` after `chunk` matched its start, or undefined. After a mismatch the chunk is
 * still read to the end, so a malformed one throws whatever the text.
 */
function matchChunk(pattern: string, chunk: string[], text: string[]): string[] | undefined {
  let c = 0;
  let t = 0;
  let failed = false;
  while (c < chunk.length) {
    if (!failed && t >= text.length) failed = true;
    const token = chunk[c] as string;
    if (token === '[') {
      const character = failed ? undefined : text[t++];
      c++;
      const negated = chunk[c] === '^';
      if (negated) c++;
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[c] === ']' && ranges > 0) {
          c++;
          break;
        }
        const low = classCharacter(pattern, chunk, c);
        c = low.next;
        let high = low;
        if (chunk[c] === '-') {
          high = classCharacter(pattern, chunk, c + 1);
          c = high.next;
        }
        if (character !== undefined && inOrder(low.value, character, high.value)) {
          matched = true;
        }
        ranges++;
      }
      if (matched === negated) failed = true;
    } else if (token === '?') {
      if (!failed) {
        if (text[t] === SEPARATOR) failed = true;
        t++;
      }
      c++;
    } else {
      if (token === '\\') {
        c++;
        if (c >= chunk.length) throw new BadGlobError(pattern);
      }
      if (!failed) {
        if (chunk[c] !== text[t]) failed = true;
        t++;
      }
      c++;
    }
  }
  return failed ? undefined : text.slice(t);
}

/** Compares code points, not UTF-16 units, as Go compares runes. */
function inOrder(low: string, character: string, high: string): boolean {
  const point = (s: string) => s.codePointAt(0) ?? 0;
  return point(low) <= point(character) && point(character) <= point(high);
}

/** Go's getEsc: one (possibly escaped) class character, which must be followed by more pattern. */
function classCharacter(pattern: string, chunk: string[], at: number): { value: string; next: number } {
  let i = at;
  if (i >= chunk.length || chunk[i] === '-' || chunk[i] === ']') throw new BadGlobError(pattern);
  if (chunk[i] === '\\') {
    i++;
    if (i >= chunk.length) throw new BadGlobError(pattern);
  }
  const value = chunk[i] as string;
  if (i + 1 >= chunk.length) throw new BadGlobError(pattern);
  return { value, next: i + 1 };
}
