// The cycle's ImageUpdater resources: every namespace, or the configured one. A cluster without the
// CRD, or whose RBAC grants nothing on imageupdaters, runs annotation mode alone, with one warning.
import type { ImageUpdatersApi } from '../kube/imageupdaters';
import type { Log } from '../model';
import { readImageUpdater, type ImageUpdater } from './resource';

/** @throws the API's error for anything but 404 and 403: without the list, which apps are claimed is unknown. */
export async function scanImageUpdaters(api: ImageUpdatersApi, namespace: string | undefined, log: Log): Promise<ImageUpdater[]> {
  const listing = await api.list(namespace);
  if (!listing.available) {
    log.warn(`${listing.reason}: ImageUpdater resources are not read; Applications are driven by their annotations only`);
    return [];
  }
  return listing.items.map(readImageUpdater);
}
