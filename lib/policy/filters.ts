// The registry's tag list, narrowed by `allow-tags` and `ignore-tags` before any strategy sees it.
import picomatch from 'picomatch';
import type { ImageSpecification } from '../model';
import { memoizedByText } from './memo';

/** Go filepath.Match: `*`, `?`, `[...]` (negated with `^`), `\` escapes; no braces, extglobs or `!`. */
const GO_GLOB: picomatch.PicomatchOptions = {
  dot: true,
  nobrace: true,
  noextglob: true,
  noglobstar: true,
  nonegate: true,
  strictBrackets: true,
  windows: false,
};

/** Tags `allow-tags` admits and no `ignore-tags` glob matches, each once, in registry order. */
export function filterTags(tags: string[], spec: Pick<ImageSpecification, 'allowsTag' | 'ignoreTags'>): string[] {
  const ignored = spec.ignoreTags.flatMap(compileGlob);
  return [...new Set(tags)].filter((tag) => spec.allowsTag(tag) && !ignored.some((isIgnored) => isIgnored(tag)));
}

/** A malformed glob matches nothing, as Go's filepath.Match reports ErrBadPattern. */
const compileGlob = memoizedByText((pattern: string): ((tag: string) => boolean)[] => {
  try {
    return [picomatch(pattern, GO_GLOB)];
  } catch {
    return [];
  }
});

/** True when `pattern` is a glob `ignore-tags` can use. */
export function isValidGlob(pattern: string): boolean {
  return compileGlob(pattern).length > 0;
}
