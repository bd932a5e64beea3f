// Which kind of source an Application is, and which of its sources the image changes go to.
import type { Application, ApplicationSource, SourceType } from '../model';

const WRITE_BACK_TARGET = 'argocd-image-updater.argoproj.io/write-back-target';

/**
 * Helm, Kustomize or Plugin (written only through ImageUpdater plugin targets), or undefined for a
 * type the reference does not update (Directory, "").
 * A `write-back-target` of `kustomization…` means Kustomize, and (as in v0.18) `helmvalues…` Helm,
 * whatever Argo CD detected. A multi-source application takes the first Helm, Kustomize or Plugin
 * entry of `status.sourceTypes`.
 */
export function applicationSourceType(app: Application): SourceType | undefined {
  const target = app.metadata.annotations?.[WRITE_BACK_TARGET];
  if (target?.startsWith('kustomization')) return 'Kustomize';
  if (target?.startsWith('helmvalues')) return 'Helm';
  if (isMultiSource(app)) {
    const first = (app.status?.sourceTypes ?? []).find((type) => ['Helm', 'Kustomize', 'Plugin'].includes(type));
    return asSupported(first);
  }
  return asSupported(app.status?.sourceType);
}

function asSupported(type: string | undefined): SourceType | undefined {
  return type === 'Helm' || type === 'Kustomize' || type === 'Plugin' ? type : undefined;
}

export interface SelectedSource {
  /** JSON pointer to the source: `/spec/source` or `/spec/sources/<index>`. */
  path: string;
  source: ApplicationSource;
}

/**
 * The source image changes are written to. Single source: `spec.source`. Multi-source (v0.18):
 * the first source of the detected type, Kustomize meaning `kustomize` is set and Helm meaning
 * `helm` or `chart` is set; then the source `status.sourceTypes` reports as that type; then the
 * first source with `helm` or `kustomize`; then the first source. Plugin means `plugin` is set.
 * @throws Error when the Application has no source.
 */
export function selectSource(app: Application, type: SourceType): SelectedSource {
  const sources = app.spec.sources ?? [];
  if (!isMultiSource(app)) {
    if (!app.spec.source) throw new Error(`application ${app.metadata.namespace}/${app.metadata.name} has no source`);
    return { path: '/spec/source', source: app.spec.source };
  }
  const ofType = (source: ApplicationSource): boolean =>
    type === 'Kustomize' ? !!source.kustomize : type === 'Plugin' ? !!source.plugin : !!(source.helm || source.chart);
  const reported = app.status?.sourceTypes;
  const candidates = [
    sources.findIndex(ofType),
    reported?.length === sources.length ? reported.indexOf(type) : -1,
    sources.findIndex((source) => source.helm || source.kustomize),
    0,
  ];
  const index = candidates.find((candidate) => candidate >= 0) ?? 0;
  return { path: `/spec/sources/${index}`, source: sources[index] as ApplicationSource };
}

function isMultiSource(app: Application): boolean {
  return (app.spec.sources?.length ?? 0) > 0;
}
