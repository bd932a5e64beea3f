// RFC 8288 `Link` headers, as registries use them to page tag lists:
// `</v2/app/tags/list?last=b&n=100>; rel="next"`.

/** The `rel="next"` target resolved against the request URL, or undefined when there is none. */
export function nextPageUrl(linkHeader: string | null | undefined, requestUrl: string): string | undefined {
  if (!linkHeader) return undefined;
  for (const match of linkHeader.matchAll(/<([^>]*)>([^<]*)/g)) {
    const target = match[1] ?? '';
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (relations.includes('next') && URL.canParse(target, requestUrl)) return new URL(target, requestUrl).toString();
  }
  return undefined;
}
