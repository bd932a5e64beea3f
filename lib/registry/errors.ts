// Errors of the registry client. Every message names the registry and, when there is one, the
// repository and the HTTP status; it never carries a credential or a token (and is redacted anyway).
import type { Platform } from '../model';
import { redact } from '../report/secrets';
import { BODY_LIMITS, readTextPrefix } from './body-limit';
import type { RegistryEndpoint } from './config';
import { formatPlatform } from './platform';
import { RegistryErrorBodySchema } from './schema';
import type { RegistryResponse } from './response';

/** How much of a registry's own error text an error message shows. */
const MAX_SHOWN_ERROR_CODES = 300;

export interface ErrorScope {
  endpoint: RegistryEndpoint;
  repository?: string;
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly registry: string;
  readonly repository?: string;
  readonly status?: number;
  /** The message without the registry and repository in front. */
  readonly detail: string;

  constructor(scope: ErrorScope, detail: string, status?: number, options?: ErrorOptions) {
    super(redact(`${describeScope(scope)}: ${detail}`), options);
    this.detail = redact(detail);
    this.registry = scope.endpoint.name;
    if (scope.repository !== undefined) this.repository = scope.repository;
    if (status !== undefined) this.status = status;
  }
}

/** The image has no manifest for any of the wanted platforms; the reference skips such a tag. */
export class NoMatchingPlatformError extends RegistryError {
  override name = 'NoMatchingPlatformError';

  constructor(scope: ErrorScope, reference: string, wanted: Platform[], available: Platform[]) {
    const offered = available.length > 0 ? available.map(formatPlatform).join(', ') : 'none';
    super(scope, `${reference} has no image for platform ${wanted.map(formatPlatform).join(', ')} (it offers ${offered})`);
  }
}

function describeScope({ endpoint, repository }: ErrorScope): string {
  const registry = `registry ${endpoint.name} (${endpoint.apiUrl})`;
  return repository === undefined ? registry : `${registry}, repository ${repository}`;
}

/** Turns a failed answer into an error, with the registry's own error codes when it sent some. */
export async function errorFromResponse(
  scope: ErrorScope,
  response: RegistryResponse,
  action: string,
  sentCredentials: boolean,
): Promise<RegistryError> {
  const codes = await registryErrorCodes(response);
  const status = response.status;
  let meaning: string;
  if (status === 401) meaning = sentCredentials ? 'authentication failed' : 'authentication required';
  else if (status === 403) meaning = 'access denied';
  else if (status === 404) meaning = 'not found';
  else if (status === 429) meaning = 'rate limited';
  else meaning = response.statusText || 'unexpected answer';
  const detail = `${action}: ${meaning} (HTTP ${status}${codes ? `, ${codes}` : ''})`;
  return new RegistryError(scope, detail, status);
}

async function registryErrorCodes(response: RegistryResponse): Promise<string> {
  if (response.bodyUsed) return '';
  const text = await readTextPrefix(response, BODY_LIMITS.errorBody).catch(() => '');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return '';
  }
  const parsed = RegistryErrorBodySchema.safeParse(document);
  if (!parsed.success) return '';
  // Redacted before it is cut: a cut through a secret would leave a part no redaction recognises.
  const codes = redact(
    parsed.data.errors
      .map((error) => [error.code, error.message].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; '),
  );
  return codes.length > MAX_SHOWN_ERROR_CODES ? `${codes.slice(0, MAX_SHOWN_ERROR_CODES)}…` : codes;
}
