// Registry answers read with a size cap enforced while streaming: a hostile or broken registry
// serving a huge (or endlessly compressed) body costs at most the cap in memory, never the body.

const MIB = 1024 * 1024;

/** The most read of each kind of answer. */
export const BODY_LIMITS = {
  /** distribution refuses to store manifests over 4 MiB. */
  manifest: 4 * MIB,
  imageConfig: 4 * MIB,
  /** A cosign signature manifest or referrers index: a few descriptors. */
  signatureManifest: 256 * 1024,
  /** A simple-signing payload: a few hundred bytes, more with annotations. */
  signaturePayload: 64 * 1024,
  /** One page of a tag list: 1,000 tags of 128 characters take 135 KB. */
  tagPage: 4 * MIB,
  token: 64 * 1024,
  /** Only the registry's error codes are read from an error answer. */
  errorBody: 64 * 1024,
} as const;

/** An answer being received: a registry's (RegistryResponse) or a forge API's (`fetch`). */
export interface StreamedAnswer {
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';

  constructor(readonly limit: number) {
    super(`the answer is larger than ${formatBytes(limit)}, the most this client reads`);
  }
}

/** The whole body, or BodyTooLargeError as soon as it (declared or streamed, decompressed) passes `limit`. */
export async function readBodyLimited(response: StreamedAnswer, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.[Symbol.asyncIterator]().return?.();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const over = await readChunks(response, limit, (chunk) => {
    chunks.push(chunk);
    total += chunk.byteLength;
  });
  if (over) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks, total);
}

/** The body as JSON, undefined when it is not JSON; BodyTooLargeError past `limit`. */
export async function readJsonLimited(response: StreamedAnswer, limit: number): Promise<unknown> {
  const bytes = await readBodyLimited(response, limit);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** At most the first `limit` bytes of the body as text; the rest is not read. */
export async function readTextPrefix(response: StreamedAnswer, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  await readChunks(response, limit, (chunk) => {
    const kept = chunk.subarray(0, limit - total);
    chunks.push(kept);
    total += kept.byteLength;
  });
  return Buffer.concat(chunks, total).toString('utf8');
}

/** Feeds chunks to `take` until the end, or stops (cancelling the body) once more than `limit` came: then true. */
async function readChunks(response: StreamedAnswer, limit: number, take: (chunk: Uint8Array) => void): Promise<boolean> {
  if (!response.body) return false;
  let seen = 0;
  // Leaving the loop early cancels the stream: the rest of the body is never read.
  for await (const chunk of response.body) {
    seen += chunk.byteLength;
    take(chunk);
    if (seen > limit) return true;
  }
  return false;
}

function formatBytes(bytes: number): string {
  return bytes >= MIB ? `${bytes / MIB} MiB` : `${bytes / 1024} KiB`;
}
