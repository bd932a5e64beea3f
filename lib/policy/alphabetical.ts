// alphabetical (legacy name `name`): the greatest tag in byte order (`1.9` beats `1.10`); for calver.
import type { TagCandidate } from '../model';
import type { Strategy } from './strategy';

export const alphabetical: Strategy = {
  name: 'alphabetical',
  needs: 'nothing',
  eligible: (tags) => tags,
  // Tags are ASCII (`[\w][\w.-]*`), where string order is byte order.
  select: (candidates) => candidates.reduce<TagCandidate | undefined>((best, c) => (best && best.tag >= c.tag ? best : c), undefined),
};
