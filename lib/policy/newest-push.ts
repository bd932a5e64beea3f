// newest-push: the most recently pushed image, by the registry's push time (ECR `imagePushedAt`),
// for images whose build time is fixed (reproducible builds) or says nothing about recency.
import { newestBy } from './newest';
import type { Strategy } from './strategy';

export const newestPush: Strategy = {
  name: 'newest-push',
  needs: 'push-time',
  eligible: (tags) => tags,
  select: (candidates) => newestBy(candidates, (candidate) => candidate.pushedAt),
};
