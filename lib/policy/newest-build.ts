// newest-build (legacy name `latest`): the most recently built image, by the config blob's `created`.
import { newestBy } from './newest';
import type { Strategy } from './strategy';

export const newestBuild: Strategy = {
  name: 'newest-build',
  needs: 'build-time',
  eligible: (tags) => tags,
  select: (candidates) => newestBy(candidates, (candidate) => candidate.created),
};
