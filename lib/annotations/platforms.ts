// `<alias>.platforms`: a comma list of `os/arch[/variant]`, e.g. `linux/amd64, linux/arm64/v8`.
import type { Platform } from '../model';

export type PlatformsResult = { platforms: Platform[] } | { error: string };

/**
 * The platforms an image must offer. Where the reference turns a malformed entry into a platform
 * nothing offers (so the image silently never updates), this reports the entry.
 */
export function parsePlatforms(value: string): PlatformsResult {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { error: 'no platform given; expected os/arch[/variant], comma separated' };
  const platforms: Platform[] = [];
  for (const entry of entries) {
    const [os = '', arch = '', variant, ...extra] = entry.split('/');
    if (os === '' || arch === '' || variant === '' || extra.length > 0) {
      return { error: `platform ${JSON.stringify(entry)} is not os/arch[/variant]` };
    }
    platforms.push({ os, arch, ...(variant !== undefined && { variant }) });
  }
  return { platforms };
}
