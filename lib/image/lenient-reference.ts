// The fallback parser Argo CD Image Updater uses when the Docker grammar refuses a reference: the
// image-list "tag" is often a version constraint (`~1.2`, `>=1.0 <2.0`, `^1`) or a short digest.
import type { ReferenceParts } from './docker-reference';

/**
 * Splits `text` as the reference's legacy parser does, with one fix: the first segment is a
 * registry when it contains `.` or `:` or is `localhost` (Docker's rule), where the reference asks
 * for a `.` only and so reads `localhost:5000/app:~1.2` as image `localhost` with tag `5000/app:~1.2`.
 * `domain` is "" when the text names no registry.
 */
export function parseLenientReference(text: string): ReferenceParts {
  const slash = text.indexOf('/');
  const first = slash === -1 ? '' : text.slice(0, slash);
  const hasRegistry = /[.:]/.test(first) || first === 'localhost';
  const domain = hasRegistry ? first : '';
  const rest = hasRegistry ? text.slice(slash + 1) : text;

  const at = rest.indexOf('@');
  if (at !== -1) {
    const beforeDigest = rest.slice(0, at);
    const digest = rest.slice(at + 1);
    const colon = beforeDigest.lastIndexOf(':');
    if (colon > beforeDigest.lastIndexOf('/')) {
      return { domain, path: beforeDigest.slice(0, colon), tag: beforeDigest.slice(colon + 1), digest };
    }
    return { domain, path: beforeDigest, digest };
  }
  const colon = rest.indexOf(':');
  if (colon === -1) return { domain, path: rest };
  return { domain, path: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}
