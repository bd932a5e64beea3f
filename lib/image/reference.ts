// Image references read, compared and written the way Argo CD Image Updater v0.x does it.
import type { ImageRef } from '../model';
import { DOCKER_HUB_DOMAIN, LEGACY_DOCKER_HUB_DOMAIN, parseDockerReference, type ReferenceParts } from './docker-reference';
import { parseLenientReference } from './lenient-reference';
import { memoizedByText } from '../policy/memo';

const DOCKER_HUB_NAMES = new Set(['', DOCKER_HUB_DOMAIN, LEGACY_DOCKER_HUB_DOMAIN, 'registry-1.docker.io']);

/** True for Docker Hub, written or implicit (""). */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_NAMES.has(registry);
}

/**
 * Reads an image reference: with the Docker grammar when it is a real reference, else with the
 * reference's lenient parser (version constraints and short digests in the image-list).
 * Docker Hub written implicitly gets registry ""; `library/` is dropped for Docker Hub only, and
 * only when the text did not itself start with `library/`.
 * @throws Error when `text` is empty or names no usable image.
 */
export function parseImageReference(text: string): ImageRef {
  // Every run reads the same references again (image-list entries, the images apps run): each text
  // is parsed once per container; callers get their own copy.
  return { ...readImageReference(text) };
}

const readImageReference = memoizedByText((text: string): ImageRef => {
  if (text === '') throw new Error('empty image reference');
  const parts = parseDockerReference(text) ?? parseLenientReference(text);
  if (!isUsablePath(parts.path)) throw new Error(`invalid image reference ${JSON.stringify(text)}: no valid image name`);
  const domain = parts.domain === LEGACY_DOCKER_HUB_DOMAIN ? DOCKER_HUB_DOMAIN : parts.domain;
  const hub = domain === '' || domain === DOCKER_HUB_DOMAIN;
  const registry = hub && !text.startsWith(DOCKER_HUB_DOMAIN) ? '' : domain;
  const name = hub && !text.startsWith('library/') ? parts.path.replace(/^library\//, '') : parts.path;
  return withVersion({ registry, name }, parts);
});

/** Segments without whitespace, none empty (`a//b`, `/a`, `a/` are not names). */
function isUsablePath(path: string): boolean {
  return path.split('/').every((segment) => segment !== '' && !/\s/.test(segment));
}

function withVersion(ref: ImageRef, { tag, digest }: ReferenceParts): ImageRef {
  return { ...ref, ...(tag && { tag }), ...(digest && { digest }) };
}

export interface FormatOptions {
  /** Append `:tag` (default true). */
  tag?: boolean;
  /** Append `@digest` (default true). */
  digest?: boolean;
}

/** `[registry/]name[:tag][@digest]`; the registry is not repeated when the name already starts with it. */
export function formatImage(ref: ImageRef, options: FormatOptions = {}): string {
  const prefix = ref.registry !== '' && !ref.name.startsWith(`${ref.registry}/`) ? `${ref.registry}/` : '';
  const tag = options.tag !== false && ref.tag ? `:${ref.tag}` : '';
  const digest = options.digest !== false && ref.digest ? `@${ref.digest}` : '';
  return `${prefix}${ref.name}${tag}${digest}`;
}

/** `[registry/]name`, e.g. the Helm `image.name` value. */
export function imageNameWithoutTag(ref: ImageRef): string {
  return formatImage(ref, { tag: false, digest: false });
}

/** `tag`, `tag@digest`, `latest@digest` when only a digest is known, or "" when neither is. */
export function tagWithDigest(ref: ImageRef): string {
  if (!ref.digest) return ref.tag ?? '';
  return `${ref.tag || 'latest'}@${ref.digest}`;
}

/** Same registry and repository, tags ignored. Strict: `docker.io/x` and `x` differ, as in the reference. */
export function sameImageName(a: ImageRef, b: ImageRef): boolean {
  return a.registry === b.registry && a.name === b.name;
}
