import { z } from 'zod';

/**
 * A cross-field rule written twice: as CEL for the API server
 * (`x-kubernetes-validations`) and as a predicate for everything that validates
 * a pipeline without one (`npm run synth`, the operator's own checks). Tests
 * hold the two to the same cases.
 */
export interface CelRule<T> {
  /** The CEL expression; `self` is the object the rule is attached to. */
  rule: string;
  /** What the API server and the zod issue say when the rule fails. */
  message: string;
  /** Where the error points, relative to the object (`.maxReplicas`); the API server reports it there too. */
  fieldPath?: string;
  /** The same rule in TypeScript. */
  holds: (value: T) => boolean;
}

/** What the CRD gets for a rule: the CEL part alone. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Kubernetes extensions a schema carries into the CRD (read by toStructuralSchema). */
export interface K8sMeta {
  validations?: CelValidation[];
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

/** The Kubernetes extensions of each schema; kept apart from zod's global registry so they never leak elsewhere. */
export const k8sMeta = z.registry<K8sMeta>();

/** Attaches CEL rules to an object schema: the CRD gets the CEL, zod parsing gets the predicates. */
export function withRules<S extends z.ZodType>(schema: S, rules: CelRule<z.output<S>>[]): S {
  const checked = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!r.holds(value)) ctx.addIssue({ code: 'custom', message: r.message, path: pathOf(r.fieldPath) });
    }
  }) as unknown as S;
  const validations = rules.map(({ rule, message, fieldPath }) => (fieldPath ? { rule, message, fieldPath } : { rule, message }));
  k8sMeta.add(checked, { ...k8sMeta.get(schema), validations });
  return checked;
}

/** Marks an array schema as a Kubernetes list type (`map` lists merge by key under server-side apply). */
export function listType<S extends z.ZodArray>(schema: S, type: K8sMeta['listType'], mapKeys?: string[]): S {
  k8sMeta.add(schema, { ...k8sMeta.get(schema), listType: type, ...(mapKeys ? { listMapKeys: mapKeys } : {}) });
  return schema;
}

/** The rules attached to a schema by withRules, for tests and docs. */
export function celRulesOf(schema: z.ZodType): CelValidation[] {
  return k8sMeta.get(schema)?.validations ?? [];
}

function pathOf(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.split('.').filter((part) => part.length > 0) : [];
}
