// Write-back method `argocd`: one merge patch per Application carrying all its image changes. The
// patch carries the resourceVersion it was built from, so it can never clobber a concurrent
// change; on conflict (409) the Application is read again and the patch rebuilt, unless its
// image-updater annotations changed meanwhile: the decision was made on the old ones (an owner
// who removed `image-list` must not get the image written), so the next run decides anew.
import { ANNOTATION_PREFIX } from '../annotations/settings';
import type { Application, Log, SourceType } from '../model';
import { buildApplicationPatch, type AnnotationsChange, type ImageChange } from '../patch/application-patch';
import { isConflict, kubeErrorMessage, type ApplicationsApi } from '../kube/applications';

/** The reference retries 7 times with 100 ms · 2^n backoff. */
const MAX_RETRIES = 7;
const BASE_BACKOFF_MS = 100;

export type WriteResult = { written: true; app: Application } | { written: false; reason: string };

export async function writeApplicationSpec(
  api: ApplicationsApi,
  app: Application,
  changes: ImageChange[],
  type: SourceType,
  log: Log,
  /** Written in the same patch as the spec, so that both land or neither (the updater's own state). */
  annotations?: AnnotationsChange,
): Promise<WriteResult> {
  let current = app;
  for (let attempt = 0; ; attempt++) {
    const { patch } = buildApplicationPatch(current, changes, type);
    if (!patch) return { written: false, reason: 'new images already set in spec' };
    try {
      const body = annotations ? { ...patch, metadata: { ...patch.metadata, annotations } } : patch;
      const updated = await api.patch(current.metadata.namespace, current.metadata.name, body);
      return { written: true, app: updated };
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_RETRIES) {
        throw new Error(`cannot patch application: ${kubeErrorMessage(error)}`);
      }
      log.debug('application changed while we wrote it; reading it again', { attempt: attempt + 1 });
      await sleep(BASE_BACKOFF_MS * 2 ** attempt);
      current = await api.get(current.metadata.namespace, current.metadata.name);
      if (updaterAnnotations(current) !== updaterAnnotations(app)) {
        return { written: false, reason: 'its image-updater annotations changed while it was being written; the next run decides with the new ones' };
      }
    }
  }
}

/** The application's `argocd-image-updater.argoproj.io/*` annotations, in a comparable form. */
function updaterAnnotations(app: Application): string {
  const entries = Object.entries(app.metadata.annotations ?? {}).filter(([key]) => key.startsWith(ANNOTATION_PREFIX));
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
