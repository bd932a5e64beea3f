// Structured JSON logs through Powertools Logger. Every record passes the secret sanitizer first.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../config';
import type { Log } from '../model';
import { redact, redactFields } from './secrets';

export const SERVICE_NAME = 'image-updater';

export interface AppLogger extends Log {
  /** The Powertools logger, for the Lambda context to be injected into. */
  readonly powertools: Logger;
  child(keys: Record<string, unknown>): AppLogger;
}

export function createLogger(options: { level: LogLevel; persistentKeys?: Record<string, unknown> }): AppLogger {
  return wrap(
    new Logger({
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
      logLevel: options.level,
      persistentKeys: options.persistentKeys,
    }),
  );
}

function wrap(logger: Logger): AppLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (fields) logger[level](redact(message), redactFields(fields));
      else logger[level](redact(message));
    };
  return {
    powertools: logger,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (keys) => wrap(logger.createChild({ persistentKeys: redactFields(keys) })),
  };
}
