// semver (the default): the highest version that satisfies the constraint.
import { parseConstraint } from './semver-constraint';
import { compareVersions, parseVersion, type Version } from './semver-version';
import type { Strategy } from './strategy';

export const semver: Strategy = {
  name: 'semver',
  needs: 'nothing',
  eligible(tags, constraint) {
    return versionsSatisfying(tags, constraint).map((version) => version.original);
  },
  select(candidates, constraint) {
    const byTag = new Map(candidates.map((candidate) => [candidate.tag, candidate]));
    const best = versionsSatisfying([...byTag.keys()], constraint).reduce<Version | undefined>(
      (winner, version) => (winner ? higher(winner, version) : version),
      undefined,
    );
    return best && byTag.get(best.original);
  },
};

/**
 * Tags that read as versions and satisfy `constraint`; others are dropped silently. Without a
 * constraint no prerelease qualifies: the reference (v0.x) lets them in, against its own docs
 * (AIU issue #426), and its v1 line keeps them out too.
 * @throws Error when `constraint` is not a valid constraint (settings reject those first).
 */
function versionsSatisfying(tags: string[], constraint: string | undefined): Version[] {
  const accepts = constraint ? parseConstraint(constraint).check : (version: Version) => version.prerelease === '';
  return tags.flatMap((tag) => {
    const version = parseVersion(tag);
    return version && accepts(version) ? [version] : [];
  });
}

/** Equal versions (`1.0`, `v1.0.0`) are ordered by their text, the greater winning, as the reference sorts. */
function higher(a: Version, b: Version): Version {
  const order = compareVersions(a, b);
  if (order !== 0) return order > 0 ? a : b;
  return a.original > b.original ? a : b;
}
