// Every `argocd-image-updater.argoproj.io/*` annotation of one Application, read as Argo CD Image
// Updater v0.17/v0.18 reads it, plus this project's extensions (`<alias>.semver`, `interval`,
// the `newest-push` strategy).
import { AnnotationError, type AppKey, type ImageSpecification, type Platform, type WriteBackSettings } from '../model';
import { semverConstraintError } from '../policy/semver-constraint';
import { isValidGlob } from '../policy/filters';
import { compileAllowTags } from './allow-tags';
import { parseGoDuration } from '../duration';
import { imageListEntries, parseImageListEntry, type ImageListEntry } from './image-list';
import { annotationLimitProblems } from './limits';
import { helmParameterNameProblem, kustomizeImageNameProblem } from './names';
import { parsePlatforms } from './platforms';
import { pullSecretProblem } from './pull-secret';
import { parseUpdateStrategy } from './update-strategy';
import { readWriteBack } from './write-back';

export const ANNOTATION_PREFIX = 'argocd-image-updater.argoproj.io/';

export interface ApplicationSettings {
  /** The images to track; an entry with a bad setting is left out, its errors are in `errors`. */
  images: ImageSpecification[];
  errors: AnnotationError[];
  /**
   * Where changes go. With an error in `write-back-method` it reads `argocd` for reporting only:
   * an application with an error that `blocksApplication` flags must not be written.
   */
  writeBack: WriteBackSettings;
  /** From `interval` (Go duration syntax): check this application at most this often. */
  intervalMinutes?: number;
  /** Deprecated or ignored settings, in words for the log. */
  warnings: string[];
}

export interface SettingsDefaults {
  /** Platforms an image must offer when it has no `platforms` annotation; undefined: any. */
  platforms?: Platform[];
  /** Namespaces besides the application's own whose Secrets a pull-secret may name (`*`: any). */
  secretNamespaces?: readonly string[];
  /** The operator wrote these settings (the CLI's `test`): every credential reference is allowed. */
  trustedCredentials?: boolean;
}

/** Errors in these annotations concern the whole application, which must then not be written. */
const APPLICATION_WIDE = new Set(['write-back-method', 'git-branch', 'git-pull-request', 'interval']);

/** True when `error` is about an application-wide annotation (write-back, interval). */
export function blocksApplication(error: AnnotationError): boolean {
  return APPLICATION_WIDE.has(error.annotation.slice(ANNOTATION_PREFIX.length));
}

export function readApplicationSettings(app: AppKey, annotations: Record<string, string>, defaults: SettingsDefaults): ApplicationSettings {
  const read = (key: string): string | undefined =>
    Object.hasOwn(annotations, ANNOTATION_PREFIX + key) ? annotations[ANNOTATION_PREFIX + key] : undefined;
  const context: Context = { app, read, defaults, errors: new Map(), warnings: [] };
  const ours = new Map(
    Object.entries(annotations).flatMap(([key, value]) => (key.startsWith(ANNOTATION_PREFIX) ? [[key.slice(ANNOTATION_PREFIX.length), value]] : [])),
  );
  const limitProblems = annotationLimitProblems(ours, imageListEntries);
  for (const { key, shownValue, reason } of limitProblems) addError(context, key, shownValue, reason);
  if (limitProblems.length > 0) {
    return { images: [], errors: [...context.errors.values()], writeBack: { method: 'argocd' }, warnings: [] };
  }

  const images: ImageSpecification[] = [];
  const entries: ImageListEntry[] = [];
  for (const text of imageListEntries(read('image-list') ?? '')) {
    let entry: ImageListEntry;
    try {
      entry = parseImageListEntry(text);
    } catch (error) {
      addError(context, 'image-list', text, (error as Error).message);
      continue;
    }
    entries.push(entry);
    const spec = readImage(context, entry, text);
    if (spec) images.push(spec);
  }
  warnAboutUnaliasedSettings(context, entries, Object.keys(annotations));

  const { writeBack, problems } = readWriteBack(read);
  for (const { key, reason } of problems) addError(context, key, read(key) ?? '', reason);
  const intervalMinutes = readInterval(context);

  return {
    images,
    errors: [...context.errors.values()],
    writeBack,
    ...(intervalMinutes !== undefined && { intervalMinutes }),
    warnings: context.warnings,
  };
}

interface Context {
  app: AppKey;
  read(key: string): string | undefined;
  defaults: SettingsDefaults;
  /** By message: an app-wide setting shared by several images is reported once. */
  errors: Map<string, AnnotationError>;
  warnings: string[];
}

/** A setting and the annotation it came from (without the prefix). */
interface Found {
  key: string;
  value: string;
}

function readImage(context: Context, entry: ImageListEntry, entryText: string): ImageSpecification | undefined {
  const { read } = context;
  const image = { registry: entry.image.registry, name: entry.image.name };
  // Without an alias the reference looks for `/.<setting>`: only app-wide settings apply.
  const symbolic = entry.alias?.replaceAll('/', '_');
  const own = (setting: string): Found | undefined => {
    const value = symbolic === undefined ? undefined : read(`${symbolic}.${setting}`);
    return value === undefined ? undefined : { key: `${symbolic}.${setting}`, value };
  };
  // Image level first, then app-wide; the first annotation present wins, even when empty.
  const inherited = (setting: string): Found | undefined => {
    const value = read(setting);
    return own(setting) ?? (value === undefined ? undefined : { key: setting, value });
  };
  const failures: [key: string, value: string, reason: string][] = [];

  const strategySetting = inherited('update-strategy');
  const { strategy, warning } = parseUpdateStrategy(strategySetting?.value ?? '');
  if (warning && strategySetting) warn(context, strategySetting.key, warning);

  const allowTags = readAllowTags(context, own, inherited);
  const allowed = compileAllowTags(allowTags?.value ?? '');
  if ('error' in allowed) failures.push([allowTags?.key ?? 'allow-tags', allowTags?.value ?? '', allowed.error]);

  const ignoreSetting = inherited('ignore-tags');
  const ignoreTags = (ignoreSetting?.value ?? '')
    .split(',')
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');
  for (const glob of ignoreTags.filter((glob) => !isValidGlob(glob))) {
    warn(context, ignoreSetting?.key ?? 'ignore-tags', `glob ${JSON.stringify(glob)} is malformed and ignores nothing`);
  }

  let platforms = context.defaults.platforms;
  const platformsSetting = own('platforms');
  const parsedPlatforms = platformsSetting && parsePlatforms(platformsSetting.value);
  if (parsedPlatforms && 'error' in parsedPlatforms) failures.push([platformsSetting.key, platformsSetting.value, parsedPlatforms.error]);
  else if (parsedPlatforms) platforms = parsedPlatforms.platforms;

  const semverSetting = own('semver');
  // `<alias>.semver` is a semver range: other strategies keep the image-list constraint.
  const override = strategy === 'semver' ? semverSetting?.value.trim() || undefined : undefined;
  const constraint = override ?? entry.constraint;
  const constraintSource: Found = override && semverSetting ? semverSetting : { key: 'image-list', value: entryText };
  if (strategy !== 'semver' && semverSetting?.value.trim()) warn(context, semverSetting.key, `ignored: the update strategy is ${strategy}`);
  if (strategy === 'semver' && constraint) {
    const reason = semverConstraintError(constraint);
    const { key, value } = constraintSource;
    if (reason) failures.push([key, value, `invalid semver constraint ${JSON.stringify(constraint)}: ${reason}`]);
  }
  if (strategy === 'digest' && !constraint) {
    const reason = "cannot use update strategy 'digest' without a version constraint";
    failures.push([strategySetting?.key ?? 'update-strategy', strategySetting?.value ?? '', reason]);
  }

  const pullSecretSetting = inherited('pull-secret');
  const pullSecretError = pullSecretSetting?.value && !context.defaults.trustedCredentials
    ? pullSecretProblem(pullSecretSetting.value, { appNamespace: context.app.split('/')[0] ?? '', secretNamespaces: context.defaults.secretNamespaces ?? [] })
    : undefined;
  if (pullSecretSetting && pullSecretError) failures.push([pullSecretSetting.key, pullSecretSetting.value, pullSecretError]);
  for (const setting of ['helm.image-name', 'helm.image-tag', 'helm.image-spec', 'kustomize.image-name']) {
    const found = own(setting);
    const name = found?.value.trim();
    const problem = name && (setting.startsWith('helm.') ? helmParameterNameProblem(name) : kustomizeImageNameProblem(name));
    if (found && problem) failures.push([found.key, found.value, problem]);
  }

  // The image's own keys and its image-list entry belong to it; app-wide settings to every image.
  const belongsToImage = (key: string): boolean => key === 'image-list' || (symbolic !== undefined && key.startsWith(`${symbolic}.`));
  for (const [key, value, reason] of failures) {
    addError(context, key, value, reason, belongsToImage(key) ? (entry.alias ?? entry.image.name) : undefined);
  }
  if (failures.length > 0 || 'error' in allowed) return undefined;

  const helmSpec = own('helm.image-spec')?.value.trim();
  const kustomizeImageName = own('kustomize.image-name')?.value.trim();
  const pullSecret = pullSecretSetting?.value;
  return {
    alias: entry.alias ?? entry.image.name,
    hasAlias: entry.alias !== undefined,
    image,
    strategy,
    ...(constraint && { constraint }),
    ...(allowTags?.value && { allowTags: allowTags.value }),
    allowsTag: allowed.matcher,
    ignoreTags,
    ...(platforms && { platforms }),
    forceUpdate: inherited('force-update')?.value === 'true',
    ...(pullSecret && { pullSecret }),
    helm: {
      imageName: own('helm.image-name')?.value.trim() || 'image.name',
      imageTag: own('helm.image-tag')?.value.trim() || 'image.tag',
      ...(helmSpec && { imageSpec: helmSpec }),
    },
    ...(kustomizeImageName && { kustomizeImageName }),
  };
}

/** `allow-tags` (image level, then app-wide); when that is empty, the deprecated `<alias>.tag-match`. */
function readAllowTags(
  context: Context,
  own: (setting: string) => Found | undefined,
  inherited: (setting: string) => Found | undefined,
): Found | undefined {
  const allowTags = inherited('allow-tags');
  if (allowTags?.value) return allowTags;
  const tagMatch = own('tag-match');
  if (!tagMatch) return allowTags;
  warn(context, tagMatch.key, 'deprecated; use allow-tags');
  return tagMatch;
}

function readInterval(context: Context): number | undefined {
  const value = context.read('interval');
  if (value === undefined) return undefined;
  const ms = parseGoDuration(value.trim());
  if (ms === undefined || ms <= 0) {
    addError(context, 'interval', value, 'expected a positive duration such as 90s, 5m or 1h30m');
    return undefined;
  }
  return ms / 60_000;
}

/** The reference ignores `<name>.<setting>` for an image listed without alias; say so. */
function warnAboutUnaliasedSettings(context: Context, entries: ImageListEntry[], keys: string[]): void {
  const symbolic = (name: string): string => name.replaceAll('/', '_');
  const aliases = new Set(entries.flatMap((entry) => (entry.alias ? [symbolic(entry.alias)] : [])));
  for (const { image } of entries.filter((entry) => !entry.alias)) {
    const name = symbolic(image.name);
    if (aliases.has(name)) continue;
    const stray = keys.filter((key) => key.startsWith(`${ANNOTATION_PREFIX}${name}.`));
    if (stray.length > 0) {
      context.warnings.push(
        `application ${context.app}: ${stray.join(', ')} ignored: image ${image.name} is listed without an alias; ` +
          `write ${name}=${image.name} in image-list to use them`,
      );
    }
  }
}

function addError(context: Context, key: string, value: string, reason: string, alias?: string): void {
  const error = new AnnotationError(context.app, ANNOTATION_PREFIX + key, value, reason, alias);
  context.errors.set(error.message, error);
}

function warn(context: Context, key: string, message: string): void {
  const text = `application ${context.app}: annotation ${ANNOTATION_PREFIX}${key}: ${message}`;
  if (!context.warnings.includes(text)) context.warnings.push(text);
}
