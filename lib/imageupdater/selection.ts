// Which Applications an ImageUpdater selects, and through which of its applicationRefs, as the
// reference does it: only Applications in the resource's own namespace; a ref matches an app when
// its `namePattern` (Go filepath.Match) and its `labelSelectors` (evaluated here, not by the API
// server) both match; refs are ranked by specificity and the first matching one wins, whatever
// the listed order. Pure: no I/O.
import { compileGoGlob, isLiteralGlob } from '../match/go-glob';
import type { Application } from '../model';
import type { ApplicationRef, ImageUpdaterSpec, LabelSelector } from './resource';

export interface RankedRef {
  ref: ApplicationRef;
  /** Position in `spec.applicationRefs`, for messages (`spec.applicationRefs[2]`). */
  index: number;
  matchesName: (name: string) => boolean;
  /** Undefined when the selector is invalid: such a ref matches nothing. */
  matchesLabels?: (labels: Record<string, string>) => boolean;
}

export interface Selector {
  /** Refs, most specific first. */
  refs: RankedRef[];
  /** Invalid label selectors (a warning each: the ref matches nothing, the resource still runs). */
  warnings: string[];
}

/**
 * The resource's refs, ranked. @throws Error naming the first malformed `namePattern`: one such
 * pattern fails the whole resource, none of its refs run.
 */
export function rankRefs(spec: ImageUpdaterSpec): Selector {
  const warnings: string[] = [];
  const refs = spec.applicationRefs.map((ref, index): RankedRef => {
    let matchesName: (name: string) => boolean;
    try {
      matchesName = compileGoGlob(ref.namePattern);
    } catch {
      throw new Error(`invalid application name pattern '${ref.namePattern}' (spec.applicationRefs[${index}].namePattern)`);
    }
    const selector = ref.labelSelectors === undefined ? { matches: () => true } : compileLabelSelector(ref.labelSelectors);
    if ('error' in selector) warnings.push(`spec.applicationRefs[${index}].labelSelectors: ${selector.error}; the ref matches no application`);
    return { ref, index, matchesName, ...('matches' in selector && { matchesLabels: selector.matches }) };
  });
  // Array.prototype.sort is stable: equal scores keep the listed order.
  refs.sort((a, b) => specificity(b.ref) - specificity(a.ref));
  return { refs, warnings };
}

/** The refs matching `app`, most specific first (the first one wins; later ones are fall-backs). */
export function matchingRefs(selector: Selector, app: Application): RankedRef[] {
  const labels = app.metadata.labels ?? {};
  return selector.refs.filter((ranked) => ranked.matchesName(app.metadata.name) && ranked.matchesLabels?.(labels) === true);
}

/**
 * The reference's calculateSpecificity: an exact name beats any glob, then more literal
 * characters, then having a label selector, then more selector terms.
 */
export function specificity(ref: ApplicationRef): number {
  let score = 0;
  if (isLiteralGlob(ref.namePattern)) score += 1_000_000;
  score += ref.namePattern.replace(/\[[^\]]*\]/g, '').replace(/[*?]/g, '').length;
  if (ref.labelSelectors) {
    score += 10_000;
    score += 100 * Object.keys(ref.labelSelectors.matchLabels ?? {}).length;
    score += 100 * (ref.labelSelectors.matchExpressions ?? []).length;
  }
  return score;
}

type CompiledSelector = { matches: (labels: Record<string, string>) => boolean } | { error: string };

/** metav1.LabelSelector → a predicate, with LabelSelectorAsSelector's checks; every term must hold. */
export function compileLabelSelector(selector: LabelSelector): CompiledSelector {
  const terms: ((labels: Record<string, string>) => boolean)[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) return { error: `matchLabels ${key}=${value}: ${problem}` };
    terms.push((labels) => labels[key] === value);
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const problem = labelKeyProblem(key) ?? values.map(labelValueProblem).find((found) => found !== undefined);
    if (problem) return { error: `matchExpressions ${key}: ${problem}` };
    switch (operator) {
      case 'In':
      case 'NotIn': {
        if (values.length === 0) return { error: `matchExpressions ${key} ${operator}: values must be non-empty` };
        const wanted = new Set(values);
        terms.push(
          operator === 'In'
            ? (labels) => Object.hasOwn(labels, key) && wanted.has(labels[key] as string)
            : (labels) => !Object.hasOwn(labels, key) || !wanted.has(labels[key] as string),
        );
        break;
      }
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return { error: `matchExpressions ${key} ${operator}: values must be empty` };
        terms.push(operator === 'Exists' ? (labels) => Object.hasOwn(labels, key) : (labels) => !Object.hasOwn(labels, key));
        break;
      default:
        return { error: `matchExpressions ${key}: ${JSON.stringify(operator)} is not a valid label selector operator` };
    }
  }
  return { matches: (labels) => terms.every((term) => term(labels)) };
}

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A qualified name: `[prefix/]name`, name ≤ 63 characters, prefix a DNS subdomain ≤ 253. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = key.slice(slash + 1);
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return `key prefix ${JSON.stringify(prefix)} is not a DNS subdomain`;
  if (name.length > 63 || !NAME.test(name)) return `key ${JSON.stringify(key)} is not a valid label key`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  return value.length > 63 || !NAME.test(value) ? `value ${JSON.stringify(value)} is not a valid label value` : undefined;
}
