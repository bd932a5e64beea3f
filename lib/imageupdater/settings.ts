// An ImageUpdater's settings for one Application, in the same `ApplicationSettings` the annotations
// give, so the rest of the cycle drives both alike. `commonUpdateSettings` merge field by field,
// spec → applicationRef → image, the most specific set field winning (lists replaced whole);
// `writeBackConfig` merges spec → applicationRef; `imagesVerification` is taken whole from the most
// specific level that has one (image → applicationRef → spec). With `useAnnotations: true` the
// Application's own annotations are the settings and the resource's other settings are ignored,
// except imagesVerification (as the reference does). Pure: no I/O.
import { compileAllowTags } from '../annotations/allow-tags';
import { parseImageListEntry } from '../annotations/image-list';
import { pullSecretProblem } from '../annotations/pull-secret';
import { parsePlatforms } from '../annotations/platforms';
import { readApplicationSettings, type ApplicationSettings, type SettingsDefaults } from '../annotations/settings';
import { parseUpdateStrategy } from '../annotations/update-strategy';
import { AnnotationError, type AppKey, type CosignKeySource, type ImageSpecification, type WriteBackSettings } from '../model';
import { isValidGlob } from '../policy/filters';
import { semverConstraintError } from '../policy/semver-constraint';
import type { ApplicationRef, CommonUpdateSettings, ImageConfig, ImagesVerification, ImageUpdater, ImageUpdaterSpec, PullRequestConfig, WriteBackConfig } from './resource';

/** A bad ImageUpdater field, for one Application: the message names the app, the resource, the field and the value. */
export class ImageUpdaterSettingError extends AnnotationError {
  constructor(app: AppKey, field: string, value: string, reason: string, alias?: string) {
    super(app, field, value, reason, alias);
    this.name = 'ImageUpdaterSettingError';
    this.message = `application ${app}: ${field}=${JSON.stringify(value)}: ${reason}`;
  }
}

/** What a ref makes of an Application. */
export type RefSettings =
  | { kind: 'settings'; settings: ApplicationSettings }
  /** The ref cannot drive this app (useAnnotations without `image-list`): the next matching ref is tried. */
  | { kind: 'fall-through'; reason: string }
  /** A problem that concerns the whole app (where to write): nothing is written. */
  | { kind: 'error'; reason: string };

export interface RefContext {
  imageUpdater: ImageUpdater;
  spec: ImageUpdaterSpec;
  ref: ApplicationRef;
  /** The ref's position in spec.applicationRefs. */
  index: number;
  app: AppKey;
  annotations: Record<string, string>;
  defaults: SettingsDefaults;
}

export function settingsForApplication(context: RefContext): RefSettings {
  const { imageUpdater, spec, ref, index, app } = context;
  const where = `ImageUpdater ${imageUpdater.key} spec.applicationRefs[${index}]`;
  if (ref.useAnnotations) {
    const settings = readApplicationSettings(app, context.annotations, context.defaults);
    if (!Object.hasOwn(context.annotations, 'argocd-image-updater.argoproj.io/image-list')) {
      return { kind: 'fall-through', reason: `${where} has useAnnotations: true but the application has no image-list annotation` };
    }
    // The resource's imagesVerification still applies to the images the annotations list.
    const verification = pickVerification([
      { path: `ImageUpdater ${imageUpdater.key} spec`, verification: spec.imagesVerification },
      { path: where, verification: ref.imagesVerification },
    ]);
    const cosignKey = verification && cosignKeySource(verification.value, imageUpdater);
    if (cosignKey && 'error' in cosignKey) return { kind: 'error', reason: `application ${app}: ${verification?.field}: ${cosignKey.error}` };
    if (!cosignKey) return { kind: 'settings', settings };
    return { kind: 'settings', settings: { ...settings, images: settings.images.map((image) => ({ ...image, cosignKey })) } };
  }

  const writeBack = readWriteBackConfig(mergeWriteBack(spec.writeBackConfig, ref.writeBackConfig), imageUpdater.namespace);
  if ('error' in writeBack) return { kind: 'error', reason: `application ${app}: ${where}: writeBackConfig: ${writeBack.error}` };

  const errors: AnnotationError[] = [];
  const warnings: string[] = [];
  const images: ImageSpecification[] = [];
  (ref.images ?? []).forEach((image, imageIndex) => {
    const path = `${where}.images[${imageIndex}]`;
    const levels: Level[] = [
      { path: 'ImageUpdater ' + imageUpdater.key + ' spec', settings: spec.commonUpdateSettings },
      { path: where, settings: ref.commonUpdateSettings },
      { path, settings: image.commonUpdateSettings },
    ];
    const verification = pickVerification([
      { path: `ImageUpdater ${imageUpdater.key} spec`, verification: spec.imagesVerification },
      { path: where, verification: ref.imagesVerification },
      { path, verification: image.imagesVerification },
    ]);
    const built = buildImage({ app, image, path, levels, verification, imageUpdater, defaults: context.defaults });
    errors.push(...built.errors);
    warnings.push(...built.warnings);
    if (built.spec) images.push(built.spec);
  });
  return { kind: 'settings', settings: { images, errors, writeBack: writeBack.writeBack, warnings } };
}

/** One level of `commonUpdateSettings` and where it is written. */
interface Level {
  path: string;
  settings?: CommonUpdateSettings;
}

/** The most specific level that sets `field`, with its value. */
function pick<K extends keyof CommonUpdateSettings>(levels: Level[], field: K): { value: NonNullable<CommonUpdateSettings[K]>; field: string } | undefined {
  for (const level of [...levels].reverse()) {
    const value = level.settings?.[field];
    if (value !== undefined) return { value: value as NonNullable<CommonUpdateSettings[K]>, field: `${level.path}.commonUpdateSettings.${field}` };
  }
  return undefined;
}

interface ImageInput {
  app: AppKey;
  image: ImageConfig;
  path: string;
  levels: Level[];
  verification?: { value: ImagesVerification; field: string };
  imageUpdater: ImageUpdater;
  defaults: SettingsDefaults;
}

interface BuiltImage {
  spec?: ImageSpecification;
  errors: AnnotationError[];
  warnings: string[];
}

function buildImage(input: ImageInput): BuiltImage {
  const { app, image, path, levels } = input;
  const alias = image.alias;
  const errors: AnnotationError[] = [];
  const warnings: string[] = [];
  const fail = (field: string, value: string, reason: string) => errors.push(new ImageUpdaterSettingError(app, field, value, reason, alias));

  let entry;
  try {
    entry = parseImageListEntry(`${alias}=${image.imageName}`);
  } catch (error) {
    fail(`${path}.imageName`, image.imageName, (error as Error).message);
    return { errors, warnings };
  }
  const strategySetting = pick(levels, 'updateStrategy');
  const { strategy, warning } = parseUpdateStrategy(strategySetting?.value ?? '');
  if (warning && strategySetting) warnings.push(`application ${app}: ${strategySetting.field}: ${warning}`);

  const constraint = entry.constraint;
  if (strategy === 'semver' && constraint) {
    const reason = semverConstraintError(constraint);
    if (reason) fail(`${path}.imageName`, image.imageName, `invalid semver constraint ${JSON.stringify(constraint)}: ${reason}`);
  }
  if (strategy === 'digest' && !constraint) {
    fail(strategySetting?.field ?? `${path}.imageName`, strategySetting?.value ?? image.imageName, "cannot use update strategy 'digest' without a version constraint (the tag part of imageName)");
  }

  const allowTags = pick(levels, 'allowTags');
  const allowed = compileAllowTags(allowTags?.value ?? '');
  if ('error' in allowed) fail(allowTags?.field ?? 'allowTags', allowTags?.value ?? '', allowed.error);

  const ignoreSetting = pick(levels, 'ignoreTags');
  const ignoreTags = (ignoreSetting?.value ?? []).map((glob) => glob.trim()).filter((glob) => glob !== '');
  for (const glob of ignoreTags.filter((glob) => !isValidGlob(glob))) {
    warnings.push(`application ${app}: ${ignoreSetting?.field}: glob ${JSON.stringify(glob)} is malformed and ignores nothing`);
  }

  let platforms = input.defaults.platforms;
  const platformSetting = pick(levels, 'platforms');
  if (platformSetting && platformSetting.value.length > 0) {
    const parsed = parsePlatforms(platformSetting.value.join(','));
    if ('error' in parsed) fail(platformSetting.field, platformSetting.value.join(','), parsed.error);
    else platforms = parsed.platforms;
  }

  const pullSecret = pick(levels, 'pullSecret');
  // As v1.3 does, a pull secret of another namespace is refused before anything is read (unless
  // the operator allows that namespace); env: and ext: are the operator's alone.
  const refused = pullSecret && pullSecretProblem(pullSecret.value, { appNamespace: input.imageUpdater.namespace, secretNamespaces: input.defaults.secretNamespaces ?? [] });
  if (pullSecret && refused) fail(pullSecret.field, pullSecret.value, refused);

  const targets = image.manifestTargets;
  const verification = input.verification;
  const cosignKey = verification && cosignKeySource(verification.value, input.imageUpdater);
  if (verification && cosignKey && 'error' in cosignKey) fail(verification.field, JSON.stringify(verification.value), cosignKey.error);
  if (errors.length > 0) return { errors, warnings };

  const helm = targets?.helm;
  return {
    errors,
    warnings,
    spec: {
      alias,
      hasAlias: true,
      image: { registry: entry.image.registry, name: entry.image.name },
      strategy,
      ...(constraint && { constraint }),
      ...(allowTags?.value && { allowTags: allowTags.value }),
      allowsTag: 'matcher' in allowed ? allowed.matcher : () => false,
      ignoreTags,
      ...(platforms && { platforms }),
      forceUpdate: pick(levels, 'forceUpdate')?.value ?? false,
      ...(pullSecret?.value && { pullSecret: pullSecret.value }),
      helm: {
        imageName: helm?.name || 'image.name',
        imageTag: helm?.tag || 'image.tag',
        ...(helm?.spec && { imageSpec: helm.spec }),
      },
      ...(targets?.kustomize?.name && { kustomizeImageName: targets.kustomize.name }),
      ...(targets?.plugin && { plugin: targets.plugin }),
      ...(cosignKey && 'kind' in cosignKey && { cosignKey }),
    },
  };
}

/** The level whose `imagesVerification` applies: the most specific that has one, whole (image → ref → spec). */
function pickVerification(levels: { path: string; verification?: ImagesVerification }[]): { value: ImagesVerification; field: string } | undefined {
  for (const level of [...levels].reverse()) {
    if (level.verification) return { value: level.verification, field: `${level.path}.imagesVerification` };
  }
  return undefined;
}

/** Undefined when verification is off (`enabled: false`); `enabled` defaults to true. */
function cosignKeySource(verification: ImagesVerification, imageUpdater: ImageUpdater): CosignKeySource | { error: string } | undefined {
  if (verification.enabled === false) return undefined;
  const key = verification.cosignKey;
  // The CRD's CEL rule refuses this too; a resource stored before the rule still gets a clear error.
  if (!key) return { error: 'verification is enabled without a cosignKey; the image is not updated' };
  return { kind: 'secret', imageUpdater: imageUpdater.key, namespace: imageUpdater.namespace, secretName: key.secretName, key: key.key };
}

function mergeWriteBack(spec: WriteBackConfig | undefined, ref: WriteBackConfig | undefined): WriteBackConfig {
  const specGit = spec?.gitConfig;
  const refGit = ref?.gitConfig;
  // Field by field; a ref's pullRequest replaces the spec's whole.
  const gitConfig = specGit || refGit ? { ...specGit, ...refGit } : undefined;
  const method = ref?.method ?? spec?.method;
  return { ...(method && { method }), ...(gitConfig && { gitConfig }) };
}

/** `argocd` (default), `git` (= `git:repocreds`), `git:secret:[<namespace>/]<name>` in the resource's namespace. */
function readWriteBackConfig(config: WriteBackConfig, namespace: string): { writeBack: WriteBackSettings } | { error: string } {
  const method = config.method ?? 'argocd';
  if (method === 'argocd') return { writeBack: { method: 'argocd' } };
  const credentials = method === 'git' ? 'repocreds' : method.startsWith('git:') ? method.slice(4) : undefined;
  if (credentials === undefined) return { error: `method ${JSON.stringify(method)}: expected argocd, git or git:<credentials>` };
  let resolved: string;
  if (credentials === 'repocreds') {
    resolved = credentials;
  } else if (credentials.startsWith('secret:')) {
    const [first, second, ...extra] = credentials.slice('secret:'.length).split('/');
    const secretNamespace = second === undefined ? namespace : first;
    const name = second ?? first;
    if (!name || extra.length > 0) return { error: `method ${JSON.stringify(method)}: expected git:secret:[<namespace>/]<name>` };
    if (secretNamespace !== namespace) {
      return { error: `method ${JSON.stringify(method)}: the git secret's namespace '${secretNamespace}' differs from the ImageUpdater's '${namespace}'` };
    }
    resolved = `secret:${secretNamespace}/${name}`;
  } else {
    return { error: `method ${JSON.stringify(method)}: unknown git credentials; expected git:repocreds or git:secret:<name>` };
  }
  const git = config.gitConfig;
  if (git?.branch !== undefined && git.branch.trim().split(':').length > 2) {
    return { error: `gitConfig.branch ${JSON.stringify(git.branch)}: expected <base>[:<write-branch>]` };
  }
  const pullRequest = readPullRequest(git?.pullRequest);
  if (pullRequest && 'error' in pullRequest) return pullRequest;
  // The pull request's branch is made by the write-back; a base:write-branch pair is for direct pushes.
  if (pullRequest && git?.branch?.includes(':')) return { error: `gitConfig.branch ${JSON.stringify(git.branch)}: no write branch with pullRequest` };
  return {
    writeBack: {
      method: 'git',
      credentials: resolved,
      ...(git?.repository !== undefined && { repository: git.repository }),
      ...(git?.branch !== undefined && { branch: git.branch }),
      ...(git?.writeBackTarget !== undefined && { target: git.writeBackTarget }),
      ...(pullRequest && { pullRequest }),
    },
  };
}

/** `gitConfig.pullRequest`: exactly one of `github` or `gitlab` (the CRD's CEL rule), and its labels. */
function readPullRequest(config: PullRequestConfig | undefined): { provider: 'github' | 'gitlab'; labels: string[] } | { error: string } | undefined {
  if (!config) return undefined;
  const providers = (['github', 'gitlab'] as const).filter((provider) => config[provider] !== undefined);
  const [provider] = providers;
  if (providers.length !== 1 || !provider) return { error: `gitConfig.pullRequest ${JSON.stringify(config)}: exactly one of github or gitlab must be set` };
  return { provider, labels: config.labels ?? [] };
}
