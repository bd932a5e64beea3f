// Structured JSON logs through Powertools Logger. Every string of every record (message, fields,
// persistent keys, formatted errors and their causes) passes the secret sanitizer in the logger's
// jsonReplacerFn, the last step before a line is written. Errors keep their name; their stack is
// printed at DEBUG only.
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '../config';
import type { Log } from '../model';
import { redact } from './secrets';

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
      jsonReplacerFn: sanitizingReplacer(options.level),
    }),
  );
}

/** Redacts every string; drops stacks unless the level is DEBUG. */
export function sanitizingReplacer(level: LogLevel): (key: string, value: unknown) => unknown {
  const keepStacks = level === 'DEBUG';
  return (key, value) => {
    if (key === 'stack' && !keepStacks) return undefined;
    return typeof value === 'string' ? redact(value) : value;
  };
}

/**
 * `keys` go on every record of this logger. A child adds its keys to its parent's on the same
 * Powertools logger rather than through `createChild`: a Powertools child re-reads the cold start
 * from its own fresh state, so a child made per invocation would log `cold_start: true` on every one.
 */
function wrap(logger: Logger, keys: Record<string, unknown> = {}): AppLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: Record<string, unknown>): void => {
      const all = fields ? { ...keys, ...fields } : keys;
      if (Object.keys(all).length > 0) logger[level](message, all);
      else logger[level](message);
    };
  return {
    powertools: logger,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (childKeys) => wrap(logger, { ...keys, ...childKeys }),
  };
}
