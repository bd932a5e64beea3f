// Git repository URLs: which ones this function can reach (http and https only: Lambda has no git
// binary for ssh) and how Argo CD compares them to find credentials.

/**
 * The URL to fetch and push, parsed.
 * @throws Error for ssh (`ssh://`, `git@host:path`) and other schemes, saying what to use instead.
 */
export function parseRepositoryUrl(text: string): URL {
  const url = text.trim();
  if (/^ssh:\/\//i.test(url) || /^[^/:@\s]+@[^/:\s]+:/.test(url)) {
    throw new Error(`repository ${url}: ssh URLs are not supported (there is no git binary in Lambda); use the https URL, set git-repository to it and give https credentials (username/password, a token or a GitHub App)`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`repository ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`repository ${url}: unsupported scheme ${parsed.protocol.replace(/:$/, '')}; use an https URL`);
  }
  if (parsed.username || parsed.password) throw new Error(`repository ${redactUserInfo(parsed)}: credentials belong in a secret, not in the URL`);
  return parsed;
}

/**
 * Argo CD's `NormalizeGitURL` for comparisons: lower case, no user, no `.git`, no trailing `/`;
 * ssh forms as `host/path`. The scheme stays, so https credentials never match an http URL.
 */
export function normalizeGitUrl(text: string): string {
  const url = text.trim().toLowerCase();
  const scp = /^(?:ssh:\/\/)?[^/:@]+@([^/:]+)[:/](.*)$/.exec(url);
  const normalized = scp ? `${scp[1]}/${scp[2]}` : url.replace(/^([a-z+]+:\/\/)[^/@]*@/, '$1');
  return normalized.replace(/\/+$/, '').replace(/\.git$/, '').replace(/\/+$/, '');
}

/** `git.SameURL`. */
export function sameRepositoryUrl(a: string, b: string): boolean {
  return normalizeGitUrl(a) === normalizeGitUrl(b);
}

/**
 * True when `prefix` (a `repo-creds` URL) covers `repository`. Unlike Argo CD's plain string
 * prefix, the prefix must end at a path boundary, so `https://git.example.com` never covers
 * `https://git.example.com.evil.org/x` and its credentials never go to that host.
 */
export function coversRepository(prefix: string, repository: string): boolean {
  const base = normalizeGitUrl(prefix);
  const full = normalizeGitUrl(repository);
  return base !== '' && (full === base || full.startsWith(`${base}/`));
}

function redactUserInfo(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}
