// `allow-tags` (and the legacy `tag-match`): `any`, or `regexp:<expression>` matched anywhere in the tag.
// The expression is RE2, as the reference (Go's regexp) reads it, run by re2js: matching takes time
// linear in the tag's length whatever the pattern, so no annotation can stall the function.
import { RE2JS } from 're2js';
import { memoizedByText } from '../policy/memo';

export type TagMatcher = (tag: string) => boolean;

export type AllowTagsResult = { matcher: TagMatcher } | { error: string };

const matchAny: TagMatcher = () => true;

/**
 * Compiles an `allow-tags` value. An empty value allows every tag. RE2 syntax, unanchored: `(?i)`
 * and other flags, `(?P<name>…)`, `\A`, `\z`, `\pL`, `[[:alpha:]]`, `\Q…\E` mean what they mean
 * to the reference; what RE2 refuses (lookaround, backreferences) is refused here too.
 * An error means: match no tag, and tell the user why. Compiled once per text: many images share one.
 */
export const compileAllowTags: (value: string) => AllowTagsResult = memoizedByText(compile);

function compile(value: string): AllowTagsResult {
  if (value === '' || value.toLowerCase() === 'any') return { matcher: matchAny };
  const colon = value.indexOf(':');
  if (colon === -1) return { error: 'expected "any" or "regexp:<expression>"' };
  const kind = value.slice(0, colon);
  if (kind.toLowerCase() !== 'regexp') return { error: `unknown match function ${JSON.stringify(kind)}; expected "regexp"` };
  try {
    const expression = RE2JS.compile(value.slice(colon + 1));
    return { matcher: (tag) => expression.test(tag) };
  } catch (error) {
    return { error: `invalid regular expression: ${(error as Error).message}` };
  }
}
