import { z } from 'zod';
import { k8sMeta } from './rules.js';

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps the converter emits. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  additionalProperties?: JSONSchemaProps;
  items?: JSONSchemaProps;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minItems?: number;
  maxItems?: number;
  'x-kubernetes-validations'?: { rule: string; message: string; fieldPath?: string }[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

type Def = z.core.$ZodTypeDef & Record<string, unknown>;

/**
 * Converts a zod schema to a structural OpenAPI v3 schema as a CRD needs it:
 * `type` on every node, no `$ref`, no unions, defaults and bounds inline, CEL
 * rules from withRules. Anything the API server could not express throws, so
 * a new field in a shape the CRD cannot carry fails the build, not the cluster.
 */
export function toStructuralSchema(schema: z.ZodType): JSONSchemaProps {
  const def = schema._zod.def as Def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return withMeta(schema, toStructuralSchema(def.innerType as z.ZodType));
    case 'default':
    case 'prefault':
      return withMeta(schema, { ...toStructuralSchema(def.innerType as z.ZodType), default: defaultOf(def) });
    default:
      return withMeta(schema, leafOrContainer(schema, def));
  }
}

function leafOrContainer(schema: z.ZodType, def: Def): JSONSchemaProps {
  switch (def.type) {
    case 'object':
      return objectSchema(def.shape as Record<string, z.ZodType>);
    case 'array':
      return arraySchema(schema);
    case 'record':
      return { type: 'object', additionalProperties: toStructuralSchema(def.valueType as z.ZodType) };
    case 'string':
      return stringSchema(schema);
    case 'number':
      return numberSchema(schema);
    case 'boolean':
      return { type: 'boolean' };
    case 'enum':
      return enumSchema(Object.values(def.entries as Record<string, string | number>));
    case 'literal':
      return enumSchema(def.values as (string | number)[]);
    default:
      throw new Error(`toStructuralSchema: a ${def.type} cannot be expressed in a structural CRD schema`);
  }
}

function objectSchema(shape: Record<string, z.ZodType>): JSONSchemaProps {
  const properties: Record<string, JSONSchemaProps> = {};
  const required: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    properties[key] = toStructuralSchema(field);
    // Optional and defaulted fields (optin set) may be left out: the API server fills in defaults.
    if (field._zod.optin === undefined) required.push(key);
  }
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

/** What a schema's checks constrain; read from the definitions (zod fills `_zod.bag` lazily). */
interface Constraints {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  patterns: RegExp[];
}

function constraintsOf(schema: z.ZodType): Constraints {
  const def = schema._zod.def as Def;
  const checks = [...(def.check ? [def] : []), ...((def.checks ?? []) as z.core.$ZodCheck[]).map((c) => c._zod.def as unknown as Def)];
  const out: Constraints = { patterns: [] };
  for (const check of checks) applyCheck(out, check);
  return out;
}

function applyCheck(out: Constraints, check: Def): void {
  const value = check.value as number;
  switch (check.check) {
    case 'min_length':
      out.minimum = check.minimum as number;
      break;
    case 'max_length':
      out.maximum = check.maximum as number;
      break;
    case 'greater_than':
      if (check.inclusive) out.minimum = value;
      else out.exclusiveMinimum = value;
      break;
    case 'less_than':
      if (check.inclusive) out.maximum = value;
      else out.exclusiveMaximum = value;
      break;
    case 'number_format':
      out.format = check.format as string;
      break;
    case 'string_format':
      if (check.format === 'regex') out.patterns.push(check.pattern as RegExp);
      else out.format = check.format as string;
      break;
  }
}

function arraySchema(schema: z.ZodType): JSONSchemaProps {
  const def = schema._zod.def as Def;
  const c = constraintsOf(schema);
  const out: JSONSchemaProps = { type: 'array', items: toStructuralSchema(def.element as z.ZodType) };
  if (c.minimum !== undefined) out.minItems = c.minimum;
  if (c.maximum !== undefined) out.maxItems = c.maximum;
  return out;
}

function stringSchema(schema: z.ZodType): JSONSchemaProps {
  const c = constraintsOf(schema);
  const out: JSONSchemaProps = { type: 'string' };
  if (c.minimum !== undefined) out.minLength = c.minimum;
  if (c.maximum !== undefined) out.maxLength = c.maximum;
  if (c.patterns.length > 1) throw new Error('toStructuralSchema: one pattern per string field (OpenAPI has a single `pattern`)');
  if (c.patterns[0]) out.pattern = c.patterns[0].source;
  if (c.format === 'date') out.format = 'date';
  if (c.format === 'datetime') out.format = 'date-time';
  return out;
}

function numberSchema(schema: z.ZodType): JSONSchemaProps {
  const c = constraintsOf(schema);
  const integer = c.format === 'safeint' || c.format === 'int32';
  const out: JSONSchemaProps = { type: integer ? 'integer' : 'number' };
  if (c.format === 'safeint') out.format = 'int64';
  if (c.minimum !== undefined) out.minimum = c.minimum;
  if (c.maximum !== undefined) out.maximum = c.maximum;
  if (c.exclusiveMinimum !== undefined) Object.assign(out, { minimum: c.exclusiveMinimum, exclusiveMinimum: true });
  if (c.exclusiveMaximum !== undefined) Object.assign(out, { maximum: c.exclusiveMaximum, exclusiveMaximum: true });
  return out;
}

function enumSchema(values: (string | number)[]): JSONSchemaProps {
  const kinds = new Set(values.map((v) => typeof v));
  if (kinds.size !== 1) throw new Error('toStructuralSchema: an enum mixes types');
  if (kinds.has('string')) return { type: 'string', enum: values };
  return { type: values.every((v) => Number.isInteger(v)) ? 'integer' : 'number', enum: values };
}

/**
 * The default as the API server must store it. A prefault (`{}` for a section
 * whose fields all have defaults) is zod input: parse it so the CRD carries the
 * filled-in object. The API server validates a default against the node's CEL
 * rules without defaulting inside it, so `{}` under `self.min <= self.max`
 * fails with "no such key".
 */
function defaultOf(def: Def): unknown {
  const raw = def.defaultValue;
  const value = typeof raw === 'function' ? (raw as () => unknown)() : raw;
  return def.type === 'prefault' ? (def.innerType as z.ZodType).parse(value) : value;
}

/** Adds the description (zod's `.describe()`) and the Kubernetes extensions attached to this node. */
function withMeta(schema: z.ZodType, out: JSONSchemaProps): JSONSchemaProps {
  const description = z.globalRegistry.get(schema)?.description;
  const meta = k8sMeta.get(schema);
  const result: JSONSchemaProps = { ...out };
  if (description && !result.description) result.description = description;
  if (meta?.listType) result['x-kubernetes-list-type'] = meta.listType;
  if (meta?.listMapKeys) result['x-kubernetes-list-map-keys'] = meta.listMapKeys;
  if (meta?.validations?.length) result['x-kubernetes-validations'] = [...(out['x-kubernetes-validations'] ?? []), ...meta.validations];
  return result;
}
