// Builders for the unit tests: an image specification and an Application with only what a test sets.
import type { Application, ImageSpecification } from '../../lib/model';

export function imageSpec(overrides: Partial<ImageSpecification> = {}): ImageSpecification {
  return {
    alias: 'app',
    hasAlias: true,
    image: { registry: 'ghcr.io', name: 'team/app' },
    strategy: 'semver',
    allowsTag: () => true,
    ignoreTags: [],
    forceUpdate: false,
    helm: { imageName: 'image.name', imageTag: 'image.tag' },
    ...overrides,
  };
}

export function application(overrides: { spec?: Application['spec']; status?: Application['status']; annotations?: Record<string, string> } = {}): Application {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'demo', namespace: 'argocd', resourceVersion: '42', ...(overrides.annotations && { annotations: overrides.annotations }) },
    spec: overrides.spec ?? { source: { repoURL: 'https://example.com/repo.git', path: 'app' } },
    ...(overrides.status && { status: overrides.status }),
  };
}
