// Amazon ECR without configuration. The registry password comes from the function's IAM role
// through GetAuthorizationToken (ECR Public: its own API in us-east-1) and is kept in module memory
// until shortly before it expires. For private registries, DescribeImages answers tag lists,
// digests and push times in one paged call per repository, where the registry API needs a request
// per tag.
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECRPUBLICClient } from '@aws-sdk/client-ecr-public';
import * as z from '../zod';
import { DeadlineReached } from '../deadline';
import type { Log } from '../model';
import { registerSecret } from '../report/secrets';
import type { RegistryEndpoint } from './config';
import type { RegistryCredentials } from './credentials';
import { RegistryError, type ErrorScope } from './errors';
import { DigestSchema } from './schema';
import type { RequestCounter } from './transport';

export type EcrRegistry =
  | { kind: 'private'; host: string; accountId: string; region: string; fips: boolean; dualStack: boolean }
  | { kind: 'public'; host: string; region: string };

export type PrivateEcrRegistry = Extract<EcrRegistry, { kind: 'private' }>;

export interface EcrContext {
  /** The endpoint serving the image, for error messages. */
  endpoint: RegistryEndpoint;
  log: Log;
  counter?: RequestCounter;
  /** Epoch ms: no ECR API call outlives it. */
  deadline?: number;
}

export interface EcrImage {
  digest: string;
  pushedAt: Date;
}

/**
 * `<account>.dkr.ecr[-fips].<region>.<suffix>` (IPv4) and `<account>.dkr-ecr[-fips].<region>.<suffix>`
 * (dual-stack) in every partition: commercial and GovCloud, China, the European Sovereign Cloud and
 * the ISO partitions.
 */
const PRIVATE_HOST = /^(\d{12})\.dkr([.-])ecr(-fips)?\.([a-z]+(?:-[a-z]+)+-\d+)\.([a-z0-9.-]+)$/;
const IPV4_SUFFIXES = new Set(['amazonaws.com', 'amazonaws.com.cn', 'amazonaws.eu', 'c2s.ic.gov', 'sc2s.sgov.gov', 'cloud.adc-e.uk', 'csp.hci.ic.gov']);
const DUAL_STACK_SUFFIXES = new Set(['on.aws', 'on.amazonwebservices.com.cn', 'on.amazonwebservices.eu']);
const PUBLIC_HOST = 'public.ecr.aws';
/** ECR Public's API lives in us-east-1 only. */
const PUBLIC_REGION = 'us-east-1';
/** Tokens last 12 hours; renewing this much earlier keeps one from expiring in the middle of a cycle. */
const TOKEN_RENEW_MARGIN_MS = 10 * 60_000;
/** DescribeImages' largest page. */
const PAGE_SIZE = 1000;
/** 1000 pages of 1000 images is a hundred times ECR's default per-repository limit: a looping nextToken. */
const MAX_PAGES = 1000;
const REQUEST_TIMEOUT_MS = 30_000;
const CONNECTION_TIMEOUT_MS = 10_000;

/** Which ECR registry `registryHost` (an image's registry, as written) is; undefined when none. */
export function ecrRegistryOf(registryHost: string): EcrRegistry | undefined {
  const host = registryHost.toLowerCase();
  if (host === PUBLIC_HOST) return { kind: 'public', host, region: PUBLIC_REGION };
  const [, accountId, separator, fips, region, suffix = ''] = PRIVATE_HOST.exec(host) ?? [];
  if (!accountId || !region) return undefined;
  const dualStack = separator === '-';
  if (!(dualStack ? DUAL_STACK_SUFFIXES : IPV4_SUFFIXES).has(suffix)) return undefined;
  return { kind: 'private', host, accountId, region, fips: fips !== undefined, dualStack };
}

interface CachedToken {
  credentials: Promise<RegistryCredentials>;
  renewAt: number;
}

const tokens = new Map<string, CachedToken>();
const privateClients = new Map<string, ECRClient>();
let publicClient: ECRPUBLICClient | undefined;

/**
 * The registry credentials (`AWS` and a token) for `registry`, from the function's IAM role. A
 * private token is shared by callers until ten minutes before it expires; a failure is not kept.
 * ECR Public also serves anonymous pulls, so there a failure is logged and undefined returned.
 */
export async function ecrCredentials(registry: EcrRegistry, context: EcrContext): Promise<RegistryCredentials | undefined> {
  const credentials = cachedToken(registry, context);
  if (registry.kind === 'private') return credentials;
  return credentials.catch((error: unknown) => {
    context.log.warn('no ECR Public authorization token: pulling anonymously, at 1 request per second', {
      registry: registry.host,
      reason: (error as Error).message,
    });
    return undefined;
  });
}

function cachedToken(registry: EcrRegistry, context: EcrContext): Promise<RegistryCredentials> {
  // GetAuthorizationToken's `registryIds` is deprecated: one token opens every registry the role
  // may read in its region. Keying by account as well still keeps each registry's token apart.
  const key = registry.kind === 'private' ? `${registry.accountId}|${registry.region}|${registry.fips}` : registry.host;
  const cached = tokens.get(key);
  if (cached && cached.renewAt > Date.now()) return cached.credentials;

  const entry: CachedToken = { credentials: Promise.resolve({ username: '', password: '' }), renewAt: Number.POSITIVE_INFINITY };
  entry.credentials = fetchToken(registry, context).then(
    ({ credentials, expiresAt }) => {
      entry.renewAt = expiresAt.getTime() - TOKEN_RENEW_MARGIN_MS;
      context.log.debug('ECR authorization token obtained', { registry: registry.host, expiresAt: expiresAt.toISOString() });
      return credentials;
    },
    (error: unknown) => {
      if (tokens.get(key) === entry) tokens.delete(key);
      throw error;
    },
  );
  tokens.set(key, entry);
  return entry.credentials;
}

const AuthorizationDataSchema = z.object({
  authorizationToken: z.string().check(z.minLength(1)),
  expiresAt: z.date(),
});

async function fetchToken(registry: EcrRegistry, context: EcrContext): Promise<{ credentials: RegistryCredentials; expiresAt: Date }> {
  const scope: ErrorScope = { endpoint: context.endpoint };
  const answer = await requestAuthorizationData(registry, scope, context);
  const parsed = AuthorizationDataSchema.safeParse(answer);
  if (!parsed.success) throw new RegistryError(scope, 'GetAuthorizationToken: the answer has no token with an expiry time');
  const { authorizationToken, expiresAt } = parsed.data;
  registerSecret(authorizationToken, expiresAt);
  const decoded = Buffer.from(authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) {
    throw new RegistryError(scope, 'GetAuthorizationToken: the token does not decode to <user>:<password>');
  }
  const credentials = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  registerSecret(credentials.password, expiresAt);
  return { credentials, expiresAt };
}

/** ECR answers a list (one entry when no registryIds are sent), ECR Public a single object. */
async function requestAuthorizationData(registry: EcrRegistry, scope: ErrorScope, context: EcrContext): Promise<unknown> {
  if (registry.kind === 'private') {
    const [client, { GetAuthorizationTokenCommand }] = [await privateClient(registry), await ecrSdk()];
    const answer = await callEcr('GetAuthorizationToken', 'ecr:GetAuthorizationToken', registry, scope, context, (abortSignal) =>
      client.send(new GetAuthorizationTokenCommand({}), { abortSignal }),
    );
    return answer.authorizationData?.[0];
  }
  const iamActions = 'ecr-public:GetAuthorizationToken and sts:GetServiceBearerToken';
  const [client, { GetAuthorizationTokenCommand }] = [await ecrPublicClient(), await ecrPublicSdk()];
  const answer = await callEcr('GetAuthorizationToken', iamActions, registry, scope, context, (abortSignal) =>
    client.send(new GetAuthorizationTokenCommand({}), { abortSignal }),
  );
  return answer.authorizationData;
}

const ImageDetailSchema = z.object({
  imageDigest: DigestSchema,
  // Absent on untagged images, which the TAGGED filter leaves out (and some ECR doubles do not).
  imageTags: z._default(z.array(z.string().check(z.minLength(1))), []),
  imagePushedAt: z.date(),
});

const DescribeImagesPageSchema = z.object({
  imageDetails: z._default(z.array(ImageDetailSchema), []),
  nextToken: z.optional(z.string()),
});

/** Every tagged image of a private repository, by tag: one DescribeImages call per 1000 images. */
export async function describeTaggedImages(registry: PrivateEcrRegistry, repository: string, context: EcrContext): Promise<EcrTaggedImages> {
  const scope: ErrorScope = { endpoint: context.endpoint, repository };
  const byTag = new Map<string, EcrImage>();
  const [client, { DescribeImagesCommand }] = [await privateClient(registry), await ecrSdk()];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    if (++pages > MAX_PAGES) throw new RegistryError(scope, `DescribeImages: more than ${MAX_PAGES} pages`);
    const request = {
      registryId: registry.accountId,
      repositoryName: repository,
      filter: { tagStatus: 'TAGGED' as const },
      maxResults: PAGE_SIZE,
      nextToken,
    };
    const answer = await callEcr('DescribeImages', 'ecr:DescribeImages', registry, scope, context, (abortSignal) =>
      client.send(new DescribeImagesCommand(request), { abortSignal }),
    );
    const parsed = DescribeImagesPageSchema.safeParse(answer);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new RegistryError(scope, `DescribeImages: unexpected answer (${issue?.path.join('.')}: ${issue?.message})`);
    }
    for (const detail of parsed.data.imageDetails) {
      for (const tag of detail.imageTags) byTag.set(tag, { digest: detail.imageDigest, pushedAt: detail.imagePushedAt });
    }
    nextToken = parsed.data.nextToken;
  } while (nextToken);
  return new EcrTaggedImages(scope, byTag);
}

/** What DescribeImages told about one repository, in the shape resolution asks for it. */
export class EcrTaggedImages {
  constructor(
    private readonly scope: ErrorScope,
    private readonly byTag: ReadonlyMap<string, EcrImage>,
  ) {}

  tags(): string[] {
    return [...this.byTag.keys()];
  }

  digestOf(tag: string): string {
    const image = this.byTag.get(tag);
    if (!image) throw new RegistryError(this.scope, `tag ${tag}: not found (DescribeImages)`, 404);
    return image.digest;
  }

  /**
   * ECR's push time of each tag. ECR records it per image (digest): a tag moved onto an image
   * pushed earlier carries that image's older time.
   */
  pushTimes(): Map<string, Date> {
    return new Map([...this.byTag].map(([tag, image]) => [tag, image.pushedAt]));
  }
}

/** One ECR API call, bounded by the deadline, counted, and failing with a RegistryError. */
async function callEcr<T>(
  operation: string,
  iamActions: string,
  registry: EcrRegistry,
  scope: ErrorScope,
  context: EcrContext,
  call: (abortSignal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const remainingMs = context.deadline === undefined ? undefined : context.deadline - Date.now();
  if (remainingMs !== undefined && remainingMs <= 0) {
    throw new RegistryError(scope, `${operation}: deadline reached`, undefined, { cause: new DeadlineReached(operation) });
  }
  const deadlineSignal = remainingMs === undefined ? undefined : AbortSignal.timeout(remainingMs);
  context.counter?.count('ecr-api');
  const started = Date.now();
  try {
    const answer = await call(deadlineSignal);
    context.log.debug('ECR API request', { registry: registry.host, operation, repository: scope.repository, ms: Date.now() - started });
    return answer;
  } catch (error) {
    const cutByDeadline = deadlineSignal?.aborted === true;
    const detail = cutByDeadline ? 'deadline reached' : describeAwsError(error, iamActions);
    const cause = cutByDeadline ? new DeadlineReached(operation, { cause: error }) : error;
    throw new RegistryError(scope, `${operation} in ${registry.region}: ${detail}`, undefined, { cause });
  }
}

function describeAwsError(error: unknown, iamActions: string): string {
  if (!(error instanceof Error)) return String(error);
  const described = `${error.name}: ${error.message}`;
  return error.name === 'AccessDeniedException' ? `${described} (the function's IAM role needs ${iamActions})` : described;
}

// The ECR SDK clients are loaded when an ECR image is first met: most runs track none, and loading
// them costs the function's cold start time and memory (`npm run bench`, bundle section).
const ecrSdk = () => import('@aws-sdk/client-ecr');
const ecrPublicSdk = () => import('@aws-sdk/client-ecr-public');

async function privateClient(registry: PrivateEcrRegistry): Promise<ECRClient> {
  const key = `${registry.region}|${registry.fips}|${registry.dualStack}`;
  let client = privateClients.get(key);
  if (!client) {
    const { ECRClient } = await ecrSdk();
    client = new ECRClient({ ...sdkOptions(registry.region), useFipsEndpoint: registry.fips, useDualstackEndpoint: registry.dualStack });
    privateClients.set(key, client);
  }
  return client;
}

async function ecrPublicClient(): Promise<ECRPUBLICClient> {
  if (!publicClient) {
    const { ECRPUBLICClient } = await ecrPublicSdk();
    publicClient ??= new ECRPUBLICClient(sdkOptions(PUBLIC_REGION));
  }
  return publicClient;
}

/**
 * Credentials from the default provider chain (the Lambda role); endpoints as the SDK resolves
 * them, which honours AWS_ENDPOINT_URL_ECR and AWS_ENDPOINT_URL_ECR_PUBLIC. Adaptive retry slows
 * down on ThrottlingException.
 */
function sdkOptions(region: string) {
  return {
    region,
    retryMode: 'adaptive',
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: CONNECTION_TIMEOUT_MS },
  };
}
