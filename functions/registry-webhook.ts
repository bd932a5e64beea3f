// The registry webhooks' Lambda, behind a Function URL (auth NONE: every call is verified here).
// Thin by design: read the request (body capped), pick the provider by path, verify the call with
// the provider's secret before reading anything else, then hand the push to the update function as
// one `Registry Push` event on the default EventBridge bus. The update function runs it like an
// ECR push: the same code path, its reserved concurrency, no overlapping runs.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { logLevelFromEnv } from '../lib/config';
import { describePush, type PushedRepository } from '../lib/push/pushed-repository';
import { registryPushEntry, WEBHOOK_PROVIDERS, type WebhookProvider } from '../lib/push/registry-push-event';
import { createLogger, type AppLogger } from '../lib/report/logger';
import { redact } from '../lib/report/secrets';
import { refusal } from '../lib/webhook/authenticate';
import { readPayload, UnreadablePayload } from '../lib/webhook/payloads';
import { MAX_BODY_BYTES, readRequest } from '../lib/webhook/request';
import { WEBHOOK_SECRET_VARIABLE, webhookSecrets } from '../lib/webhook/secrets';

export interface WebhookDependencies {
  /** Where IMAGE_UPDATER_WEBHOOK_SECRET and the log level are read from; default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The hand-off must end well within the function's timeout. */
const PUT_EVENTS_TIMEOUT_MS = 5_000;

interface Settings {
  secretId: string | undefined;
  log: AppLogger;
  secretsClient: () => SecretsManagerClient;
  events: () => EventBridgeClient;
}

export function createWebhookHandler(dependencies: WebhookDependencies = {}) {
  let settings: Settings | undefined; // read once per cold start

  return async function registryWebhook(event: LambdaFunctionURLEvent, context: Context): Promise<LambdaFunctionURLResult> {
    settings ??= readSettings(dependencies.env ?? process.env);
    const { log } = settings;
    log.powertools.addContext(context);

    const reading = readRequest(event);
    if (reading.kind === 'too-large') {
      log.warn(`webhook refused: a body of ${reading.bytes} bytes, more than ${MAX_BODY_BYTES}`);
      return answer(413, 'payload too large');
    }
    const { request } = reading;
    const provider = WEBHOOK_PROVIDERS.find((name) => name === request.route);
    if (!provider) return answer(404, `not found: the paths are ${WEBHOOK_PROVIDERS.map((name) => `/${name}`).join(', ')}`);
    if (request.method !== 'POST') return answer(405, 'POST only');

    let secret: string | undefined;
    try {
      secret = settings.secretId === undefined ? undefined : (await webhookSecrets(settings.secretId, log, settings.secretsClient))[provider];
    } catch (error) {
      log.error(`webhook ${provider}: could not read the webhook secret: ${message(error)}`);
      return answer(503, 'unavailable, try again later');
    }
    const refused = secret === undefined ? 'no secret is configured for this provider' : refusal(provider, request, secret);
    if (refused) {
      log.warn(`webhook ${provider} refused: ${refused}`, { provider, reason: refused });
      return answer(401, 'unauthorized');
    }

    let payload;
    try {
      payload = readPayload(provider, request.body, request.headers['x-github-event']);
    } catch (error) {
      if (!(error instanceof UnreadablePayload)) throw error;
      log.warn(`webhook ${provider}: unreadable payload: ${error.message}`, { provider });
      return answer(400, 'unreadable payload');
    }
    if (payload.kind === 'ignored') {
      log.info(`webhook ${provider}: ${payload.reason}`, { provider });
      return answer(200, 'no work');
    }
    return handOff(settings, provider, payload.pushed);
  };
}

/** The function the Function URL invokes. */
export const handler = createWebhookHandler();

async function handOff(settings: Settings, provider: WebhookProvider, pushed: PushedRepository): Promise<LambdaFunctionURLResult> {
  const { log } = settings;
  try {
    const sent = await settings.events().send(new PutEventsCommand({ Entries: [registryPushEntry(provider, pushed)] }), {
      abortSignal: AbortSignal.timeout(PUT_EVENTS_TIMEOUT_MS),
    });
    const [entry] = sent.Entries ?? [];
    if (!entry || entry.ErrorCode || (sent.FailedEntryCount ?? 0) > 0) throw new Error(`${entry?.ErrorCode ?? 'no entry'}: ${entry?.ErrorMessage ?? ''}`);
  } catch (error) {
    log.error(`webhook ${provider}: push of ${describePush(pushed)} not handed to EventBridge: ${message(error)}`, { provider, pushed });
    return answer(502, 'not accepted, try again later');
  }
  log.info(`webhook ${provider}: push of ${describePush(pushed)} handed to the update function`, { provider, pushed });
  return answer(202, 'accepted');
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const log = createLogger({ level: logLevelFromEnv(env) });
  const secretId = env[WEBHOOK_SECRET_VARIABLE]?.trim() || undefined;
  if (!secretId) log.error(`${WEBHOOK_SECRET_VARIABLE} is not set: every webhook call is refused`);
  let secretsClient: SecretsManagerClient | undefined;
  let events: EventBridgeClient | undefined;
  return {
    secretId,
    log,
    secretsClient: () => (secretsClient ??= new SecretsManagerClient({})),
    events: () => (events ??= new EventBridgeClient({})),
  };
}

function answer(statusCode: number, text: string): LambdaFunctionURLResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: text }) };
}

function message(error: unknown): string {
  return redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}
