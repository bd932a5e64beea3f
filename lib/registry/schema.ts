// zod schemas for every document the registry client reads: registry API responses, token
// answers, image configs, registries.conf and Docker config JSON. Objects are loose (unknown
// keys are stripped) except registries.conf, which is strict like the reference's UnmarshalStrict.
import * as z from '../zod';

export const DigestSchema = z.string().check(z.regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest'));

/** `GET /v2/<name>/tags/list`; some registries answer `"tags": null` for a repository without tags. */
export const TagListSchema = z.object({
  name: z.optional(z.string()),
  tags: z.pipe(
    z.nullish(z.array(z.string())),
    z.transform((tags) => tags ?? []),
  ),
});

/** The error body of the distribution spec, e.g. `{"errors":[{"code":"NAME_UNKNOWN","message":"..."}]}`. */
export const RegistryErrorBodySchema = z.object({
  errors: z.array(z.object({ code: z.optional(z.string()), message: z.optional(z.string()) })).check(z.minLength(1)),
});

/** A token server's answer (Docker token auth; OAuth2 servers say `access_token`). */
export const TokenResponseSchema = z
  .object({
    token: z.optional(z.string().check(z.minLength(1))),
    access_token: z.optional(z.string().check(z.minLength(1))),
    expires_in: z.optional(z.number().check(z.nonnegative())),
    issued_at: z.optional(z.string()),
  })
  .check(
    z.refine((answer) => answer.token !== undefined || answer.access_token !== undefined, {
      message: 'neither token nor access_token is present',
    }),
  );

const PlatformSchema = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.optional(z.string()),
});

const DescriptorSchema = z.object({
  mediaType: z.optional(z.string()),
  digest: DigestSchema,
  size: z.optional(z.number().check(z.int(), z.nonnegative())),
});

const IndexEntrySchema = z.extend(DescriptorSchema, {
  platform: z.optional(PlatformSchema),
  annotations: z.optional(z.record(z.string(), z.string())),
});

/** OCI image index or Docker manifest list. */
export const ImageIndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  manifests: z.array(IndexEntrySchema),
});

/** OCI image manifest or Docker image manifest v2 schema 2. */
export const ImageManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.optional(z.string()),
  config: DescriptorSchema,
  layers: z.optional(z.array(DescriptorSchema)),
});

/** Docker image manifest v2 schema 1 (signed); the image config lives in `history[].v1Compatibility`. */
export const SchemaV1ManifestSchema = z.object({
  schemaVersion: z.literal(1),
  architecture: z.optional(z.string()),
  history: z.optional(z.array(z.object({ v1Compatibility: z.string() }))),
});

/** The image config blob, or a schema 1 `v1Compatibility` entry: only what metadata needs. */
export const ImageConfigSchema = z.object({
  created: z.optional(z.string()),
  os: z.optional(z.string()),
  architecture: z.optional(z.string()),
  variant: z.optional(z.string()),
});

/** Just enough of any manifest to tell which kind it is when the Content-Type does not. */
export const ManifestKindSchema = z.object({
  schemaVersion: z.number().check(z.int()),
  mediaType: z.optional(z.string()),
  manifests: z.optional(z.array(z.unknown())),
  config: z.optional(z.unknown()),
});

const DockerAuthEntrySchema = z.object({
  auth: z.optional(z.string()),
  username: z.optional(z.string()),
  password: z.optional(z.string()),
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
  .check(z.minLength(1, 'is required'));

export const RegistryConfigurationSchema = z.strictObject({
  name: requiredString,
  api_url: requiredString,
  prefix: z.optional(z.string()),
  /** Parsed and unused, as in the reference. */
  ping: z.optional(z.boolean()),
  credentials: z.optional(z.string()),
  credsexpire: z.optional(z.string()),
  tagsortmode: z.optional(z.string()),
  insecure: z.optional(z.boolean()),
  ca_file: z.optional(z.string()),
  ca_data: z.optional(z.string()),
  defaultns: z.optional(z.string()),
  limit: z.optional(z.number().check(z.int())),
  default: z.optional(z.boolean()),
  /** This project's extension: hosts besides the registry's own whose token realm may receive its credentials. */
  token_hosts: z.optional(z.array(z.string().check(z.minLength(1)))),
});

export const RegistriesConfSchema = z.strictObject({
  registries: z.nullish(z.array(z.unknown())),
});
