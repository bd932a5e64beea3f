// The Docker reference grammar (distribution/reference, as `ParseNormalizedNamed` applies it): the
// primary parser of an image reference. It accepts only real references; anything else (a version
// constraint in the tag position, a short digest) is left to the lenient parser.

/** A reference split into its parts, before Argo CD Image Updater's own normalisation. */
export interface ReferenceParts {
  /** The registry as Docker sees it: `docker.io` when the reference names none. */
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])`;
const DOMAIN = new RegExp(`^${HOST}(?::[0-9]+)?$`);
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REMAINDER = new RegExp(
  `^(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);
/** A bare image ID is refused as a repository name. */
const IMAGE_ID = /^[a-f0-9]{64}$/;
/** go-digest accepts these algorithms only, each with lowercase hex of a fixed length. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;

/** Docker's split: the first segment is a registry if it has a `.` or `:`, is `localhost`, or has capitals. */
export function looksLikeRegistry(segment: string): boolean {
  return /[.:]/.test(segment) || segment === 'localhost' || segment.toLowerCase() !== segment;
}

/** The parts of `text` when it is a valid Docker reference, else undefined. */
export function parseDockerReference(text: string): ReferenceParts | undefined {
  if (IMAGE_ID.test(text)) return undefined;
  const slash = text.indexOf('/');
  let domain = DOCKER_HUB_DOMAIN;
  let remainder = text;
  if (slash !== -1 && looksLikeRegistry(text.slice(0, slash))) {
    domain = text.slice(0, slash);
    remainder = text.slice(slash + 1);
  }
  if (domain === LEGACY_DOCKER_HUB_DOMAIN) domain = DOCKER_HUB_DOMAIN;
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPOSITORY_PREFIX + remainder;

  const match = DOMAIN.test(domain) ? REMAINDER.exec(remainder) : null;
  if (!match) return undefined;
  const [, path = '', tag, digest] = match;
  if (domain.length + 1 + path.length > NAME_TOTAL_LENGTH_MAX) return undefined;
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}
