// Platform matching as the reference's WantsPlatform does it: exact os/arch/variant, or a candidate
// with a variant against a wanted os/arch without one (`linux/arm` accepts `linux/arm/v7`).
import type { Platform } from '../model';

/** Undefined `wanted` accepts every platform. */
export function platformMatches(candidate: Platform, wanted: Platform[] | undefined): boolean {
  if (wanted === undefined) return true;
  return wanted.some(
    (platform) =>
      platform.os === candidate.os &&
      platform.arch === candidate.arch &&
      (platform.variant ? platform.variant === candidate.variant : true),
  );
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.arch, platform.variant].filter(Boolean).join('/');
}
