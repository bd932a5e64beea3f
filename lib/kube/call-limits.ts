// Every Kubernetes API call is bounded: its own timeout, cut at the run's hard deadline. An API
// server that accepts the connection and never answers costs its own cluster, never the others.
import { Observable, type ConfigurationOptions, type ObservableMiddleware } from '@kubernetes/client-node';
import { withinLimits } from '../deadline';

/** A list page, a get, a patch or an event: a healthy API server answers in well under a second. */
export const KUBE_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Runs `call` with client-node options whose requests carry the call's abort signal, on top of
 * `options` (e.g. a Content-Type header).
 */
export async function boundedKubeCall<T>(
  what: string,
  deadline: number | undefined,
  call: (options: ConfigurationOptions) => Promise<T>,
  options?: ConfigurationOptions,
): Promise<T> {
  const attempt = () => withinLimits((signal) => call(withSignal(signal, options)), { what, timeoutMs: KUBE_REQUEST_TIMEOUT_MS, deadline });
  try {
    return await attempt();
  } catch (error) {
    // Calls share kept-alive connections (api-client.ts): one the API server closed just as it was
    // reused fails at once. Sent again, the call takes a new connection; a write is safe to repeat,
    // as it carries the resourceVersion it was built from (a repeated event is only a duplicate).
    if (!connectionReset(error)) throw error;
    return attempt();
  }
}

function connectionReset(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}

function withSignal(signal: AbortSignal, options: ConfigurationOptions | undefined): ConfigurationOptions {
  const abortable: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { ...options, middleware: [...(options?.middleware ?? []), abortable], middlewareMergeStrategy: 'append' };
}
