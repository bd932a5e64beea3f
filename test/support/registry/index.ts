// The real-registry test harness: start a docker-registry, push images to it.
export { DEFAULT_USER, startRegistry } from './registry-server';
export type { PushAccess, RegistryAuth, RegistryUser, RunningRegistry, StartRegistryOptions } from './registry-server';
export { pushImage, pushImages, tagImage } from './push';
export type { PushItem, PushOptions, PushPlatform } from './push';
export { startPagingProxy } from './paging-proxy';
export type { PagingProxy } from './paging-proxy';
export { registriesConfFor } from './registries-conf';
