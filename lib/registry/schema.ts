// zod schemas for every document the registry client reads: registry API responses, token
// answers, image configs, registries.conf and Docker config JSON. Objects are loose (unknown
// keys are stripped) except registries.conf, which is strict like the reference's UnmarshalStrict.
import { z } from 'zod';

export const DigestSchema = z.string().regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');

/** `GET /v2/<name>/tags/list`; some registries answer `"tags": null` for a repository without tags. */
export const TagListSchema = z.object({
  name: z.string().optional(),
  tags: z
    .array(z.string())
    .nullish()
    .transform((tags) => tags ?? []),
});

/** The error body of the distribution spec, e.g. `{"errors":[{"code":"NAME_UNKNOWN","message":"..."}]}`. */
export const RegistryErrorBodySchema = z.object({
  errors: z.array(z.object({ code: z.string().optional(), message: z.string().optional() })).min(1),
});

/** A token server's answer (Docker token auth; OAuth2 servers say `access_token`). */
export const TokenResponseSchema = z
  .object({
    token: z.string().min(1).optional(),
    access_token: z.string().min(1).optional(),
    expires_in: z.number().nonnegative().optional(),
    issued_at: z.string().optional(),
  })
  .refine((answer) => answer.token !== undefined || answer.access_token !== undefined, {
    message: 'neither token nor access_token is present',
  });

const PlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

const DescriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest: DigestSchema,
  size: z.number().int().nonnegative().optional(),
});

const IndexEntrySchema = DescriptorSchema.extend({
  platform: PlatformSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** OCI image index or Docker manifest list. */
export const ImageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(IndexEntrySchema),
});

/** OCI image manifest or Docker image manifest v2 schema 2. */
export const ImageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema).optional(),
});

/** Docker image manifest v2 schema 1 (signed); the image config lives in `history[].v1Compatibility`. */
export const SchemaV1ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  architecture: z.string().optional(),
  history: z.array(z.object({ v1Compatibility: z.string() })).optional(),
});

/** The image config blob, or a schema 1 `v1Compatibility` entry: only what metadata needs. */
export const ImageConfigSchema = z.object({
  created: z.string().optional(),
  os: z.string().optional(),
  architecture: z.string().optional(),
  variant: z.string().optional(),
});

/** Just enough of any manifest to tell which kind it is when the Content-Type does not. */
export const ManifestKindSchema = z.object({
  schemaVersion: z.number().int(),
  mediaType: z.string().optional(),
  manifests: z.array(z.unknown()).optional(),
  config: z.unknown().optional(),
});

const DockerAuthEntrySchema = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});

/** `.dockerconfigjson` of a `kubernetes.io/dockerconfigjson` Secret. */
export const DockerConfigJsonSchema = z.object({
  auths: z.record(z.string(), DockerAuthEntrySchema),
});

/** `.dockercfg` of a legacy `kubernetes.io/dockercfg` Secret: the `auths` map without its wrapper. */
export const DockerCfgSchema = z.record(z.string(), DockerAuthEntrySchema);

/** One entry of registries.conf, field names as the reference spells them. */
const requiredString = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .min(1, 'is required');

export const RegistryConfigurationSchema = z.strictObject({
  name: requiredString,
  api_url: requiredString,
  prefix: z.string().optional(),
  /** Parsed and unused, as in the reference. */
  ping: z.boolean().optional(),
  credentials: z.string().optional(),
  credsexpire: z.string().optional(),
  tagsortmode: z.string().optional(),
  insecure: z.boolean().optional(),
  ca_file: z.string().optional(),
  ca_data: z.string().optional(),
  defaultns: z.string().optional(),
  limit: z.number().int().optional(),
  default: z.boolean().optional(),
  /** This project's extension: hosts besides the registry's own whose token realm may receive its credentials. */
  token_hosts: z.array(z.string().min(1)).optional(),
});

export const RegistriesConfSchema = z.strictObject({
  registries: z.array(z.unknown()).nullish(),
});
