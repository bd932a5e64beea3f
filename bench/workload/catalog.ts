// The tags of one benchmark repository: 300 tags, mostly semver releases, with pre-releases, calver
// releases, commit-SHA builds and a few mutable tags, as a service repository accumulates them.
// Every repository carries the same catalog (so pushes share blobs); apps differ in what they track.
import { createHash } from 'node:crypto';

export type TagKind = 'release' | 'prerelease' | 'calver' | 'build' | 'mutable';

export interface CatalogTag {
  tag: string;
  kind: TagKind;
  /** Build time in the image config: what newest-build sorts by. */
  created: Date;
}

export interface Release {
  major: number;
  minor: number;
  patch: number;
  tag: string;
}

export interface SemverConstraint {
  /** As written in the image-list annotation. */
  text: string;
  admits(release: Release): boolean;
}

export const MUTABLE_TAGS = ['latest', 'stable', 'main', 'edge'] as const;
/** Builds are the tags newest-build apps track, through `allow-tags: regexp:^sha-`. */
export const BUILD_TAG_FILTER = 'regexp:^sha-';
/** Calver releases are what alphabetical apps track, through `allow-tags: regexp:^release-`. */
export const CALVER_TAG_FILTER = 'regexp:^release-';

const MAJORS = [1, 2, 3, 4];
const MINORS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const PATCHES = [0, 1, 2, 3, 4];
const PRERELEASE_MAJORS = [1, 2, 3];
const CALVER_COUNT = 26;
const BUILD_COUNT = 40;
/** Releases, pre-releases and calver tags share one image config: one blob per repository. */
const RELEASE_CREATED = new Date(Date.UTC(2025, 0, 1));

export function releases(): Release[] {
  return MAJORS.flatMap((major) =>
    MINORS.flatMap((minor) => PATCHES.map((patch) => ({ major, minor, patch, tag: `${major}.${minor}.${patch}` }))),
  );
}

function buildTags(): string[] {
  return Array.from({ length: BUILD_COUNT }, (_, index) => `sha-${createHash('sha1').update(`build-${index}`).digest('hex').slice(0, 7)}`);
}

function calverTags(): string[] {
  return Array.from({ length: CALVER_COUNT }, (_, index) => {
    const month = String(1 + Math.floor(index / 3)).padStart(2, '0');
    const day = String(1 + (index % 3) * 10).padStart(2, '0');
    return `release-2025.${month}.${day}`;
  });
}

/** The 300 tags every repository holds. */
export function tagCatalog(): CatalogTag[] {
  const hour = (n: number) => new Date(Date.UTC(2025, 5, 1, n));
  return [
    ...releases().map((release) => ({ tag: release.tag, kind: 'release' as const, created: RELEASE_CREATED })),
    ...PRERELEASE_MAJORS.flatMap((major) =>
      MINORS.map((minor) => ({ tag: `${major}.${minor}.5-rc.1`, kind: 'prerelease' as const, created: RELEASE_CREATED })),
    ),
    ...calverTags().map((tag) => ({ tag, kind: 'calver' as const, created: RELEASE_CREATED })),
    // Builds in list order, an hour apart: the last one is the newest.
    ...buildTags().map((tag, index) => ({ tag, kind: 'build' as const, created: hour(index) })),
    ...MUTABLE_TAGS.map((tag, index) => ({ tag, kind: 'mutable' as const, created: hour(BUILD_COUNT + index) })),
  ];
}

export const TAGS_PER_REPOSITORY = tagCatalog().length;

/** The four constraint spellings apps use, for a major/minor pair. */
export function semverConstraints(): SemverConstraint[] {
  return MAJORS.flatMap((major) =>
    MINORS.flatMap((minor): SemverConstraint[] => [
      { text: `^${major}.${minor}`, admits: (r) => r.major === major && r.minor >= minor },
      { text: `~${major}.${minor}`, admits: (r) => r.major === major && r.minor === minor },
      { text: `${major}.x`, admits: (r) => r.major === major },
      { text: `>=${major}.${minor}.0 <${major + 1}.0.0`, admits: (r) => r.major === major && r.minor >= minor },
    ]),
  );
}

/** Releases a constraint admits, oldest first (pre-releases never: no constraint names one). */
export function admittedReleases(constraint: SemverConstraint): Release[] {
  return releases()
    .filter((release) => constraint.admits(release))
    .sort((a, b) => a.major - b.major || a.minor - b.minor || a.patch - b.patch);
}

/** Build tags, oldest first. */
export function buildsByAge(): string[] {
  return tagCatalog()
    .filter((entry) => entry.kind === 'build')
    .sort((a, b) => a.created.getTime() - b.created.getTime())
    .map((entry) => entry.tag);
}

/** Calver tags in byte order: the last is what alphabetical picks. */
export function calverByName(): string[] {
  return tagCatalog()
    .filter((entry) => entry.kind === 'calver')
    .map((entry) => entry.tag)
    .sort();
}
