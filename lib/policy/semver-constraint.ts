// Version constraints as Masterminds/semver v3 `NewConstraint` reads and checks them: comparisons
// (`=` `!=` `>` `<` `>=` `=>` `<=` `=<`), `~`/`~>`, `^`, wildcards (`1.2.x`, `*`), hyphen ranges
// (`1.2 - 1.4.5`), AND by space or comma, OR by `||`, optional `v` prefixes.
// Prereleases: a group of ANDed comparisons admits prerelease versions only when one of its
// comparisons names a prerelease (`>=1.2.0-0 <1.3.0`); then they compare by plain precedence.
import { memoizedByText } from './memo';
import { compareVersions, parseVersion, type Version } from './semver-version';

type Operator = '' | '=' | '!=' | '>' | '<' | '>=' | '=>' | '<=' | '=<' | '~' | '~>' | '^';

interface Comparison {
  operator: Operator;
  version: Version;
  /** A wildcard stood in a part (`1.x`, `1.2.*`, `1`, `*`): the comparison means a range. */
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

interface Group {
  comparisons: Comparison[];
  admitsPrereleases: boolean;
}

export interface Constraint {
  /** True when `version` satisfies any OR group. */
  check(version: Version): boolean;
}

// Alternation order matters as in the Go original: leftmost-first, with backtracking.
const OPERATORS = '=||!=|>|<|>=|=>|<=|=<|~|~>|\\^';
const PART = '[0-9xX*]+';
const IDENTIFIERS = '[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*';
// Minor and patch nest so that `1.0` has one parse: two optional groups in a row would let a
// backtracking engine try both for every version, exponentially many times over a long constraint.
const VERSION = `v?${PART}(?:\\.${PART}(?:\\.${PART})?)?(?:-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
const VERSION_PARTS = `v?(${PART})(?:(\\.${PART})(\\.${PART})?)?(-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
const VALID_GROUP = new RegExp(`^\\s*(?:${OPERATORS})\\s*${VERSION}\\s*(?:(?:\\s+|,\\s*)(?:${OPERATORS})\\s*${VERSION}\\s*)*$`);
const FIND_COMPARISON = new RegExp(`(?:${OPERATORS})\\s*${VERSION}`, 'g');
const COMPARISON = new RegExp(`^\\s*(${OPERATORS})\\s*(${VERSION_PARTS})\\s*$`);
const HYPHEN_RANGE = new RegExp(`\\s*(${VERSION})\\s+-\\s+(${VERSION})\\s*`, 'g');

/** Far above any real constraint; bounds the cost of reading one written to hurt. */
const MAX_CONSTRAINT_LENGTH = 1024;

/** @throws Error with the library's reason when `text` is not a constraint (a failure is not remembered). */
export const parseConstraint: (text: string) => Constraint = memoizedByText(readConstraint);

function readConstraint(text: string): Constraint {
  if (text.length > MAX_CONSTRAINT_LENGTH) throw new Error(`constraint is longer than ${MAX_CONSTRAINT_LENGTH} characters`);
  // Whitespace runs and blanks around a comma separate no differently once reduced; reduced, they
  // leave the validating expression one way to match (see VERSION).
  const groups = text
    .replace(/\s+/g, ' ')
    .replace(HYPHEN_RANGE, (_range, low: string, high: string) => `>= ${low}, <= ${high} `)
    .replace(/ ?, ?/g, ',')
    .split('||')
    .map(parseGroup);
  return { check: (version) => groups.some((group) => satisfiesGroup(version, group)) };
}

/** Why `text` is not a valid constraint, or undefined when it is one. */
export function semverConstraintError(text: string): string | undefined {
  try {
    parseConstraint(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function parseGroup(text: string): Group {
  if (text.trim() === '') throw new Error('empty alternative: nothing on one side of "||"');
  if (!VALID_GROUP.test(text)) throw new Error(`improper constraint ${JSON.stringify(text.trim())}`);
  const comparisons = (text.match(FIND_COMPARISON) ?? []).map(parseComparison);
  return { comparisons, admitsPrereleases: comparisons.some((c) => c.version.prerelease !== '') };
}

function parseComparison(text: string): Comparison {
  const match = COMPARISON.exec(text);
  if (!match) throw new Error(`improper constraint ${JSON.stringify(text.trim())}`);
  const [, operator = '', written = '', major = '', minor, patch, prerelease = ''] = match;
  const isWildcard = (part: string | undefined): boolean => part === undefined || /^[xX*]$/.test(part.slice(1));
  let versionText = written;
  let dirty = true;
  let minorDirty = false;
  let patchDirty = false;
  if (/^[xX*]$/.test(major)) {
    versionText = `0.0.0${prerelease}`;
  } else if (isWildcard(minor)) {
    minorDirty = true;
    versionText = `${major}.0.0${prerelease}`;
  } else if (isWildcard(patch)) {
    patchDirty = true;
    versionText = `${major}${minor}.0${prerelease}`;
  } else {
    dirty = false;
  }
  const version = parseVersion(versionText);
  if (!version) throw new Error(`improper version ${JSON.stringify(written)} in constraint`);
  return { operator: operator as Operator, version, dirty, minorDirty, patchDirty };
}

function satisfiesGroup(version: Version, group: Group): boolean {
  if (version.prerelease !== '' && !group.admitsPrereleases) return false;
  return group.comparisons.every((comparison) => satisfies(version, comparison));
}

function satisfies(v: Version, c: Comparison): boolean {
  switch (c.operator) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : compareVersions(v, c.version) === 0;
    case '!=':
      return notEqual(v, c);
    case '>':
      return greaterThan(v, c);
    case '<':
      return compareVersions(v, c.version) < 0;
    case '>=':
    case '=>':
      return compareVersions(v, c.version) >= 0;
    case '<=':
    case '=<':
      return lessThanOrEqual(v, c);
    case '~':
    case '~>':
      return tilde(v, c);
    case '^':
      return caret(v, c);
  }
}

function notEqual(v: Version, c: Comparison): boolean {
  if (!c.dirty) return compareVersions(v, c.version) !== 0;
  if (v.major !== c.version.major) return true;
  if (c.minorDirty) return false;
  if (v.minor !== c.version.minor) return true;
  if (c.patchDirty) return v.prerelease !== c.version.prerelease;
  return compareVersions(v, c.version) !== 0;
}

/** `>1` means 2.0.0 and up, `>1.2` means 1.3.0 and up. */
function greaterThan(v: Version, c: Comparison): boolean {
  if (c.dirty && v.major !== c.version.major) return v.major > c.version.major;
  if (c.minorDirty) return false;
  if (c.patchDirty) return v.minor > c.version.minor;
  return compareVersions(v, c.version) > 0;
}

/** `<=1` means below 2.0.0, `<=1.2` means below 1.3.0. */
function lessThanOrEqual(v: Version, c: Comparison): boolean {
  if (!c.dirty) return compareVersions(v, c.version) <= 0;
  if (v.major > c.version.major) return false;
  return !(v.major === c.version.major && v.minor > c.version.minor && !c.minorDirty);
}

/** `~1.2.3` and `~1.2`: >=, same major and minor; `~1`: >=, same major; `~0.0.0` and `*`: anything. */
function tilde(v: Version, c: Comparison): boolean {
  if (compareVersions(v, c.version) < 0) return false;
  const { major, minor, patch } = c.version;
  if (major === 0n && minor === 0n && patch === 0n && !c.minorDirty && !c.patchDirty) return true;
  if (v.major !== major) return false;
  return v.minor === minor || c.minorDirty;
}

/** `^1.2.3`: same major; `^0.2.3`: same minor; `^0.0.3`: that patch; `^0`: below 1.0.0; `^0.0`: below 0.1.0. */
function caret(v: Version, c: Comparison): boolean {
  if (compareVersions(v, c.version) < 0) return false;
  const { major, minor, patch } = c.version;
  if (major > 0n || c.minorDirty) return v.major === major;
  if (v.major > 0n) return false;
  if (minor > 0n || c.patchDirty) return v.minor === minor;
  if (v.minor > 0n) return false;
  return v.patch === patch;
}
