// Registry request kinds as the latency proxy tells them apart (method + path), and tallies of them.

export const REQUEST_KINDS = ['ping', 'token', 'tags', 'manifest-head', 'manifest-get', 'blob'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Requests by kind; `other` is whatever the proxy could not classify (should stay 0). */
export type RequestCounts = Record<RequestKind | 'other', number>;

export function emptyCounts(): RequestCounts {
  return { ping: 0, token: 0, tags: 0, 'manifest-head': 0, 'manifest-get': 0, blob: 0, other: 0 };
}

export function totalRequests(counts: RequestCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

export function subtractCounts(after: RequestCounts, before: RequestCounts): RequestCounts {
  const result = emptyCounts();
  for (const kind of Object.keys(result) as (keyof RequestCounts)[]) result[kind] = after[kind] - before[kind];
  return result;
}

export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  const result = emptyCounts();
  for (const kind of Object.keys(result) as (keyof RequestCounts)[]) result[kind] = a[kind] + b[kind];
  return result;
}
