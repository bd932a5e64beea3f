// Tag list pagination: follow `Link: <...>; rel="next"` (distribution, Docker Hub), and when a full
// page comes without one, ask for the tags after the last one (ghcr answers `n` but sends no Link,
// which truncates the reference's list: issue #1660). Stops on an empty or an already seen page.
import { nextPageUrl } from './link-header';

export interface TagPage {
  tags: string[];
  link: string | null;
}

/** A repository with more pages or tags than this is refused rather than listed partially. */
export const MAX_TAG_PAGES = 1000;
export const MAX_TAGS = 100_000;

export async function collectTagPages(
  firstUrl: string,
  pageSize: number,
  fetchPage: (url: string) => Promise<TagPage>,
): Promise<string[]> {
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  for (let page = 1; url !== undefined; page++) {
    if (page > MAX_TAG_PAGES) throw new Error(`more than ${MAX_TAG_PAGES} pages of tags`);
    const { tags, link } = await fetchPage(url);
    const fresh = tags.filter((tag) => !seen.has(tag));
    if (fresh.length === 0) break;
    for (const tag of fresh) seen.add(tag);
    if (seen.size > MAX_TAGS) throw new Error(`more than ${MAX_TAGS} tags`);
    url = nextPageUrl(link, url) ?? (tags.length >= pageSize ? pageAfter(url, tags.at(-1) ?? '', pageSize) : undefined);
  }
  return [...seen];
}

function pageAfter(url: string, lastTag: string, pageSize: number): string {
  const next = new URL(url);
  next.searchParams.set('n', String(pageSize));
  next.searchParams.set('last', lastTag);
  return next.toString();
}
