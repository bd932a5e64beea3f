// Which Applications this cycle looks at: opted in by `image-list`, and matching the name globs.
// The label selector is applied by the API server in the list call.
import picomatch from 'picomatch';
import type { Application, AppKey, Log } from '../model';

export const ANNOTATION_PREFIX = 'argocd-image-updater.argoproj.io/';
export const IMAGE_LIST_ANNOTATION = `${ANNOTATION_PREFIX}image-list`;

export function appKey(app: Application): AppKey {
  return `${app.metadata.namespace}/${app.metadata.name}`;
}

/** Presence of `image-list` opts in (its value is checked later, per image); no globs means every name. */
export function selectApplications(apps: Application[], nameGlobs: string[], log: Log): Application[] {
  const matchers = nameGlobs.flatMap((glob) => {
    try {
      // Go filepath.Match semantics: `*` and `?` never cross `/`, no brace or extglob syntax.
      return [picomatch(glob, { nobrace: true, noextglob: true, strictSlashes: true, dot: true })];
    } catch (error) {
      log.warn(`invalid application name pattern ${JSON.stringify(glob)}: ${(error as Error).message}`, { pattern: glob });
      return [];
    }
  });
  return apps.filter((app) => {
    if (app.metadata.annotations?.[IMAGE_LIST_ANNOTATION] === undefined) return false;
    return nameGlobs.length === 0 || matchers.some((matches) => matches(app.metadata.name));
  });
}
