// Tag and constraint texts repeat across every image that tracks a repository, and their parses
// are pure: each text is read once per process. Bounded, so an endless stream of new tags in a
// long-lived container cannot grow it without limit.
const MAX_ENTRIES = 100_000;

export function memoizedByText<R>(parse: (text: string) => R): (text: string) => R {
  const results = new Map<string, R>();
  return (text) => {
    if (results.has(text)) return results.get(text) as R;
    const result = parse(text);
    if (results.size >= MAX_ENTRIES) results.clear();
    results.set(text, result);
    return result;
  };
}
