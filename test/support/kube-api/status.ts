// `Status` failure bodies, shaped and worded the way k8s.io/apimachinery/pkg/api/errors builds them
// (NewNotFound, NewConflict, NewInvalid, NewGenericServerResponse, ...).

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown by request handlers; the server answers with its Status. */
export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
  }
}

/** A resource as the API names it in messages: `applications.argoproj.io`, `secrets`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** A kind as NewInvalid names it: `Application.argoproj.io`, `Event`. */
export interface GroupKind {
  group: string;
  kind: string;
}

const OPTIMISTIC_LOCK_MESSAGE =
  'the object has been modified; please apply your changes to the latest version and try again';

function status(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function qualified(resource: GroupResource): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
}

function resourceDetails(resource: GroupResource, name: string): StatusDetails {
  return { name, ...(resource.group ? { group: resource.group } : {}), kind: resource.resource };
}

export function notFound(resource: GroupResource, name: string): StatusError {
  return new StatusError(
    status(404, 'NotFound', `${qualified(resource)} "${name}" not found`, resourceDetails(resource, name)),
  );
}

export function alreadyExists(resource: GroupResource, name: string): StatusError {
  return new StatusError(
    status(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, resourceDetails(resource, name)),
  );
}

export function conflict(resource: GroupResource, name: string): StatusError {
  return new StatusError(
    status(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${OPTIMISTIC_LOCK_MESSAGE}`,
      resourceDetails(resource, name),
    ),
  );
}

/** RBAC denied the request, worded as kube-apiserver's authorization filter words it. */
export function forbidden(user: string, verb: string, resource: GroupResource, namespace: string | undefined, name?: string): StatusError {
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const [plural, subresource] = resource.resource.split('/');
  const target = subresource ? `resource "${plural}/${subresource}"` : `resource "${plural}"`;
  const message =
    `${qualified({ ...resource, resource: plural ?? resource.resource })}${name ? ` "${name}"` : ''} is forbidden: ` +
    `User "${user}" cannot ${verb} ${target} in API group "${resource.group}" ${scope}`;
  return new StatusError(status(403, 'Forbidden', message, { ...(name ? { name } : {}), group: resource.group, kind: plural }));
}

export function badRequest(message: string): StatusError {
  return new StatusError(status(400, 'BadRequest', message));
}

export function unauthorized(): StatusError {
  return new StatusError(status(401, 'Unauthorized', 'Unauthorized'));
}

/** An unrouted path: the body kube-apiserver answers for an unknown resource. */
export function pathNotFound(): StatusError {
  return new StatusError(status(404, 'NotFound', 'the server could not find the requested resource', {}));
}

export function methodNotAllowed(message: string): StatusError {
  return new StatusError(status(405, 'MethodNotAllowed', message, {}));
}

export function unsupportedMediaType(accepted: readonly string[]): StatusError {
  return new StatusError(
    status(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    ),
  );
}

/**
 * A JSON patch that does not apply (failed `test`, missing path, ...). kube-apiserver answers
 * NewGenericServerResponse(422, ..., isUnexpectedResponse=false): the evanphx/json-patch error text
 * is dropped, `details` is empty (k8s.io/apiserver/pkg/endpoints/handlers/patch.go, applyJSPatch).
 */
export function patchNotApplied(): StatusError {
  return new StatusError(status(422, 'Invalid', 'the server rejected our request due to an error in our request', {}));
}

export type FieldErrorType = 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueDuplicate';

/** One k8s.io/apimachinery/pkg/util/validation/field.Error. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  badValue?: unknown;
  detail?: string;
}

/** Go's rendering of a bad value in field.Error: %q for strings, %v for scalars. */
function renderBadValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A list-map key as Go's %#v prints a map[string]interface{}: `map[string]interface {}{"k":"v"}`. */
function renderGoMap(value: unknown): string {
  const entries = typeof value === 'object' && value !== null ? Object.entries(value) : [];
  return `map[string]interface {}{${entries.map(([key, member]) => `${JSON.stringify(key)}:${JSON.stringify(member)}`).join(', ')}}`;
}

function fieldErrorHead(error: FieldError): string {
  if (error.type === 'FieldValueRequired') return 'Required value';
  if (error.type === 'FieldValueDuplicate') return `Duplicate value: ${renderGoMap(error.badValue)}`;
  return `Invalid value: ${renderBadValue(error.badValue)}`;
}

function fieldErrorBody(error: FieldError): string {
  const head = fieldErrorHead(error);
  return error.detail ? `${head}: ${error.detail}` : head;
}

export function invalid(kind: GroupKind, name: string, errors: readonly FieldError[]): StatusError {
  const rendered = errors.map((error) => `${error.field}: ${fieldErrorBody(error)}`);
  const aggregate = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const qualifiedKind = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  return new StatusError(
    status(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate}`, {
      name,
      ...(kind.group ? { group: kind.group } : {}),
      kind: kind.kind,
      causes: errors.map((error) => ({ reason: error.type, message: fieldErrorBody(error), field: error.field })),
    }),
  );
}

/**
 * The Status a client would make of a bare status code, after client-go's NewGenericServerResponse:
 * the default body of an injected failure.
 */
export function genericStatus(code: number): Status {
  const known: Record<number, [string, string]> = {
    400: ['BadRequest', 'the server rejected our request for an unknown reason'],
    401: ['Unauthorized', 'Unauthorized'],
    403: ['Forbidden', 'the server does not allow access to the requested resource'],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    409: ['Conflict', 'the server reported a conflict'],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  const [reason, message] = known[code] ??
    (code >= 500
      ? ['InternalError', 'an error on the server ("injected failure") has prevented the request from succeeding']
      : ['Unknown', `the server responded with the status code ${code} but did not return more information`]);
  return status(code, reason, message);
}
