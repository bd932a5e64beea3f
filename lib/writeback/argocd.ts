// Write-back method `argocd`: one JSON patch per Application carrying all its image changes. The
// patch opens with a `test` of the resourceVersion it was built from, so it can never clobber a
// concurrent change; on conflict the Application is read again and the patch rebuilt.
import type { Application, ImageRef, ImageSpecification, Log, SourceType } from '../model';
import { buildApplicationPatch } from '../patch/application-patch';
import { isConflict, kubeErrorMessage, type ApplicationsApi } from '../kube/applications';

export interface ImageChange {
  spec: ImageSpecification;
  newImage: ImageRef;
}

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
): Promise<WriteResult> {
  let current = app;
  for (let attempt = 0; ; attempt++) {
    const { ops, changed } = buildApplicationPatch(current, changes, type);
    if (!changed) return { written: false, reason: 'new images already set in spec' };
    try {
      const updated = await api.patch(current.metadata.namespace, current.metadata.name, ops);
      return { written: true, app: updated };
    } catch (error) {
      if (!isConflict(error) || attempt >= MAX_RETRIES) {
        throw new Error(`cannot patch application: ${kubeErrorMessage(error)}`);
      }
      log.debug('application changed while we wrote it; reading it again', { attempt: attempt + 1 });
      await sleep(BASE_BACKOFF_MS * 2 ** attempt);
      current = await api.get(current.metadata.namespace, current.metadata.name);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
