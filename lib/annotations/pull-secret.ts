// What a `pull-secret` annotation may name. Whoever edits an Application's annotations is not the
// operator: they may name a Secret of the Application's own namespace (or of a namespace the
// operator lists in IMAGE_UPDATER_SECRET_NAMESPACES), never the function's environment (`env:`)
// nor a program on its file system (`ext:`).
import { OPERATOR_ONLY_KINDS, parseCredentialReference } from '../registry/credentials';

export interface PullSecretPolicy {
  /** The Application's namespace: its own Secrets are always allowed. */
  appNamespace: string;
  /** More namespaces the operator allows; `*` allows every namespace. */
  secretNamespaces: readonly string[];
}

/** Why an annotation may not use `reference`, or undefined when it may. */
export function pullSecretProblem(reference: string, policy: PullSecretPolicy): string | undefined {
  let source;
  try {
    source = parseCredentialReference(reference);
  } catch (error) {
    return (error as Error).message;
  }
  if (OPERATOR_ONLY_KINDS.has(source.kind)) {
    return `${source.kind}: credentials are accepted only in registries.conf (the operator's configuration), not in an annotation`;
  }
  if (source.kind !== 'pullsecret' && source.kind !== 'secret') return undefined;
  const { namespace } = source;
  if (namespace === policy.appNamespace || policy.secretNamespaces.includes(namespace) || policy.secretNamespaces.includes('*')) {
    return undefined;
  }
  return (
    `secret namespace ${JSON.stringify(namespace)} is not the application's namespace ${JSON.stringify(policy.appNamespace)}; ` +
    'the operator may allow it with IMAGE_UPDATER_SECRET_NAMESPACES'
  );
}
