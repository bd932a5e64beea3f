// The real-registry test harness: start a docker-registry, push images to it.
export { DEFAULT_USER, startRegistry } from './registry-server';
export type { PushAccess, RegistryAuth, RegistryUser, RunningRegistry, StartRegistryOptions } from './registry-server';
export { pushArtifact, pushImage, pushImages, tagImage } from './push';
export type { ArtifactLayer, PushItem, PushOptions, PushPlatform } from './push';
export { cosignKeys, pushCosignSignature } from './cosign';
export type { CosignKeys, PushedSignature, SignOptions } from './cosign';
export { startReferrersProxy } from './referrers-proxy';
export type { ReferrerDescriptor, ReferrersProxy } from './referrers-proxy';
export { startPagingProxy } from './paging-proxy';
export type { PagingProxy } from './paging-proxy';
export { registriesConfFor } from './registries-conf';
