// Argo CD Applications as tests, the demo and the benchmark create them.
import type { Application, ApplicationSource, HelmParameter } from '../../lib/model';

const PREFIX = 'argocd-image-updater.argoproj.io/';

/** `{ 'image-list': 'app=x' }` → `{ 'argocd-image-updater.argoproj.io/image-list': 'app=x' }` */
export function updaterAnnotations(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [`${PREFIX}${key}`, value]));
}

interface AppOptions {
  name: string;
  namespace?: string;
  /** Updater settings without the annotation prefix. */
  settings: Record<string, string>;
  /** What Argo CD reports as running (status.summary.images). */
  liveImages: string[];
  labels?: Record<string, string>;
}

function application(options: AppOptions, spec: Application['spec'], sourceType: string | string[]): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: options.name,
      namespace: options.namespace ?? 'argocd',
      annotations: updaterAnnotations(options.settings),
      labels: options.labels,
    },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc', namespace: 'default' }, ...spec },
    status: {
      ...(Array.isArray(sourceType) ? { sourceTypes: sourceType } : { sourceType }),
      summary: { images: options.liveImages },
    },
  };
}

const repoSource = (path: string): ApplicationSource => ({ repoURL: 'https://git.example.com/deploy.git', path, targetRevision: 'main' });

export function kustomizeApp(options: AppOptions & { images?: string[] }): Application {
  const source: ApplicationSource = { ...repoSource(`apps/${options.name}`), ...(options.images ? { kustomize: { images: options.images } } : {}) };
  return application(options, { source }, 'Kustomize');
}

export function helmApp(options: AppOptions & { parameters?: HelmParameter[] }): Application {
  const source: ApplicationSource = {
    repoURL: 'https://charts.example.com',
    chart: options.name,
    targetRevision: '1.0.0',
    helm: { parameters: options.parameters ?? [] },
  };
  return application(options, { source }, 'Helm');
}

/** A chart from a Helm repository plus a Kustomize overlay from git: the overlay carries the images. */
export function multiSourceApp(options: AppOptions & { images?: string[] }): Application {
  const sources: ApplicationSource[] = [
    { repoURL: 'https://charts.example.com', chart: 'base', targetRevision: '1.0.0' },
    { ...repoSource(`overlays/${options.name}`), kustomize: { images: options.images ?? [] } },
  ];
  return application(options, { sources }, ['Helm', 'Kustomize']);
}
