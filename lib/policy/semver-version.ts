// Versions as Masterminds/semver v3 `NewVersion` reads them (the library the reference uses):
// an optional lowercase `v`, one to three numeric parts (leading zeros allowed), `-prerelease`,
// `+metadata`. `1.2.3.4`, `V1.0` and `latest` are not versions; `2024-01-15` is 2024.0.0-01-15.
import { memoizedByText } from './memo';

export interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  prerelease: string;
  /** The text the version was read from. */
  original: string;
}

const LOOSE_VERSION =
  /^v?([0-9]+)(?:\.([0-9]+)(?:\.([0-9]+))?)?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const MAX_UINT64 = 2n ** 64n - 1n;

/** The version `text` names, or undefined when it is not one. */
export const parseVersion: (text: string) => Readonly<Version> | undefined = memoizedByText(readVersion);

function readVersion(text: string): Version | undefined {
  const match = LOOSE_VERSION.exec(text);
  if (!match) return undefined;
  const [, majorText = '', minorText = '0', patchText = '0', prerelease = ''] = match;
  const major = BigInt(majorText);
  const minor = BigInt(minorText);
  const patch = BigInt(patchText);
  if (major > MAX_UINT64 || minor > MAX_UINT64 || patch > MAX_UINT64) return undefined;
  // A numeric prerelease identifier may not have a leading zero (`1.0.0-01`).
  if (prerelease.split('.').some((id) => /^0\d+$/.test(id))) return undefined;
  return { major, minor, patch, prerelease, original: text };
}

/** Semver precedence: numbers, then a release above its prereleases, then prerelease identifiers. */
export function compareVersions(a: Version, b: Version): number {
  return (
    compareNumbers(a.major, b.major) ||
    compareNumbers(a.minor, b.minor) ||
    compareNumbers(a.patch, b.patch) ||
    comparePrereleases(a.prerelease, b.prerelease)
  );
}

function compareNumbers(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrereleases(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const order = compareIdentifiers(left[i], right[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/** Numeric identifiers compare as numbers and sort below alphanumeric ones; the rest compare as ASCII. */
function compareIdentifiers(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const aNumeric = isNumericIdentifier(a);
  const bNumeric = isNumericIdentifier(b);
  if (aNumeric && bNumeric) return compareNumbers(BigInt(a), BigInt(b));
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  return a < b ? -1 : 1;
}

/** As Go's ParseUint: digits that fit in 64 bits; anything longer compares as text. */
function isNumericIdentifier(id: string): boolean {
  return /^\d+$/.test(id) && BigInt(id) <= MAX_UINT64;
}
