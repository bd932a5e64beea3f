// Which Applications this cycle looks at: matching the name globs, and for annotation mode opted in by `image-list`.
// The label selector is applied by the API server in the list call.
import { compileGoGlob } from '../match/go-glob';
import type { Application, AppKey, Log } from '../model';

export const ANNOTATION_PREFIX = 'argocd-image-updater.argoproj.io/';
export const IMAGE_LIST_ANNOTATION = `${ANNOTATION_PREFIX}image-list`;

export function appKey(app: Application): AppKey {
  return `${app.metadata.namespace}/${app.metadata.name}`;
}

/** Presence of `image-list` opts an Application into annotation mode (its value is checked later, per image). */
export function hasImageList(app: Application): boolean {
  return app.metadata.annotations?.[IMAGE_LIST_ANNOTATION] !== undefined;
}

/** The applications whose name one of the globs (Go filepath.Match) matches; no globs: all of them. */
export function matchingNames(apps: Application[], nameGlobs: string[], log: Log): Application[] {
  if (nameGlobs.length === 0) return apps;
  const matchers = nameGlobs.flatMap((glob) => {
    try {
      return [compileGoGlob(glob)];
    } catch (error) {
      log.warn(`invalid application name pattern ${JSON.stringify(glob)}: ${(error as Error).message}`, { pattern: glob });
      return [];
    }
  });
  return apps.filter((app) => matchers.some((matches) => matches(app.metadata.name)));
}
