// digest: follow one mutable tag (the image-list "tag", e.g. `latest`) by its manifest digest.
import type { Strategy } from './strategy';

export const digest: Strategy = {
  name: 'digest',
  needs: 'digest',
  eligible: (tags, constraint) => (constraint && tags.includes(constraint) ? [constraint] : []),
  select: (candidates, constraint) => candidates.find((candidate) => candidate.tag === constraint && candidate.digest),
};
