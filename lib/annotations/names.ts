// Names an annotation writes into the Application spec, checked against their grammars before any
// write: a Helm parameter name reaches `helm --set name=value` (where `,` or `=` would smuggle in
// other parameters) and a Kustomize image name becomes `<name>=<image>` in `kustomize.images`.
import { parseDockerReference } from '../image/docker-reference';

const MAX_NAME_LENGTH = 253;
/** Dot-separated keys of letters, digits, `_`, `-`, `/` or escaped dots, each with optional `[n]` indexes. */
const HELM_KEY_SEGMENT = String.raw`(?:[A-Za-z0-9_/-]|\\\.)+(?:\[\d+\])*`;
const HELM_PARAMETER_NAME = new RegExp(String.raw`^${HELM_KEY_SEGMENT}(?:\.${HELM_KEY_SEGMENT})*$`);

/** Why `name` cannot be a Helm parameter name, or undefined. */
export function helmParameterNameProblem(name: string): string | undefined {
  if (name.length <= MAX_NAME_LENGTH && HELM_PARAMETER_NAME.test(name)) return undefined;
  return 'not a Helm parameter name (dot-separated keys of letters, digits, _, - and /, optional [n] indexes)';
}

/** Why `name` cannot be a Kustomize image name (an image name without tag or digest), or undefined. */
export function kustomizeImageNameProblem(name: string): string | undefined {
  const parts = name.length <= MAX_NAME_LENGTH ? parseDockerReference(name) : undefined;
  if (parts && parts.tag === undefined && parts.digest === undefined) return undefined;
  return 'not an image name ([registry[:port]/]path, lower case, without tag or digest)';
}
