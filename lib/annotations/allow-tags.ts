// `allow-tags` (and the legacy `tag-match`): `any`, or `regexp:<expression>` matched anywhere in the tag.

export type TagMatcher = (tag: string) => boolean;

export type AllowTagsResult = { matcher: TagMatcher } | { error: string };

const matchAny: TagMatcher = () => true;

/**
 * Compiles an `allow-tags` value. An empty value allows every tag. The reference uses Go RE2,
 * unanchored; JavaScript's RegExp agrees on the usual syntax. Translated here: a leading `(?i)`,
 * `(?s)` or `(?m)` flag group, `(?P<name>`, `\A` and `\z`. Not RE2 and accepted here: lookaround
 * and backreferences (the reference refuses them, so such a value never matched there). RE2 syntax
 * without a JavaScript equivalent here (`\pL`, `\Q…\E`, `[[:alpha:]]`, `(?U)`, flags mid-pattern)
 * is an error.
 * An error means: match no tag, and tell the user why.
 */
export function compileAllowTags(value: string): AllowTagsResult {
  if (value === '' || value.toLowerCase() === 'any') return { matcher: matchAny };
  const colon = value.indexOf(':');
  if (colon === -1) return { error: 'expected "any" or "regexp:<expression>"' };
  const kind = value.slice(0, colon);
  if (kind.toLowerCase() !== 'regexp') return { error: `unknown match function ${JSON.stringify(kind)}; expected "regexp"` };
  try {
    const expression = fromRe2(value.slice(colon + 1));
    return { matcher: (tag) => expression.test(tag) };
  } catch (error) {
    return { error: `invalid regular expression: ${(error as Error).message}` };
  }
}

function fromRe2(source: string): RegExp {
  const flagGroup = /^\(\?([ims]+)\)/.exec(source);
  const flags = [...new Set(flagGroup?.[1] ?? '')].join('');
  // JavaScript would read these RE2 forms as literal letters instead of refusing them.
  const unsupported = /(?<!\\)(?:\\\\)*(\\[pPQC]|\[\[:)/.exec(source)?.[1];
  if (unsupported) throw new Error(`RE2 syntax ${JSON.stringify(unsupported)} is not supported`);
  // Only a backslash that is not itself escaped starts these sequences.
  const body = source
    .slice(flagGroup?.[0].length ?? 0)
    .replace(/(?<!\\)((?:\\\\)*)\(\?P</g, '$1(?<')
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, '$1(?<![\\s\\S])')
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, '$1(?![\\s\\S])');
  return new RegExp(body, flags);
}
