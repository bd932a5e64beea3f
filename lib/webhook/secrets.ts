// The webhooks' secrets: one AWS Secrets Manager secret (IMAGE_UPDATER_WEBHOOK_SECRET, its ARN or
// name), a JSON object with one field per provider. Read at cold start with a timeout, kept by the
// warm container for a few minutes so that a rotated secret takes effect soon. A provider without
// a usable secret has every call refused. The values are registered with the log sanitizer.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../zod';
import { ExpiringCache } from '../cache/expiring-cache';
import type { Log } from '../model';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../push/registry-push-event';
import { registerSecret } from '../report/secrets';

export const WEBHOOK_SECRET_VARIABLE = 'IMAGE_UPDATER_WEBHOOK_SECRET';
/** Shorter secrets are guessable: such a provider's calls are refused. */
export const MIN_SECRET_LENGTH = 16;
/** A rotated secret takes effect within this time. */
const SECRETS_LIFETIME_MS = 5 * 60_000;
const READ_TIMEOUT_MS = 5_000;

export type WebhookSecrets = Partial<Record<WebhookProvider, string>>;

const secretsCache = new ExpiringCache<WebhookSecrets>();

/** The secrets under `secretId`, from the warm container while fresh. Throws when they cannot be read. */
export function webhookSecrets(secretId: string, log: Log, client: () => SecretsManagerClient): Promise<WebhookSecrets> {
  return secretsCache.get(secretId, () => readSecrets(secretId, log, client()), SECRETS_LIFETIME_MS);
}

async function readSecrets(secretId: string, log: Log, client: SecretsManagerClient): Promise<WebhookSecrets> {
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: AbortSignal.timeout(READ_TIMEOUT_MS) });
  const parsed = z.record(z.string(), z.unknown()).safeParse(jsonOrUndefined(answer.SecretString));
  if (!parsed.success) throw new Error(`webhook secret ${secretId} is not a JSON object with one field per provider (${WEBHOOK_PROVIDERS.join(', ')})`);
  const unknown = Object.keys(parsed.data).filter((name) => !(WEBHOOK_PROVIDERS as readonly string[]).includes(name));
  if (unknown.length > 0) log.warn(`webhook secret ${secretId} has fields that name no provider: ${unknown.join(', ')} (providers: ${WEBHOOK_PROVIDERS.join(', ')})`);
  const secrets: WebhookSecrets = {};
  for (const provider of WEBHOOK_PROVIDERS) {
    const value = parsed.data[provider];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
      log.warn(`webhook secret ${secretId}: the ${provider} field is not a string of at least ${MIN_SECRET_LENGTH} characters; ${provider} calls are refused`);
      continue;
    }
    registerSecret(value);
    secrets[provider] = value;
  }
  return secrets;
}

function jsonOrUndefined(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
