import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toStructuralSchema, type JSONSchemaProps } from './openapi.js';
import { celRulesOf, listType, withRules } from './rules.js';
import { DocumentPipelineSpec } from './spec.js';
import { DocumentPipelineStatus } from './status.js';

/** Every node of a schema, with its path. */
function* nodes(schema: JSONSchemaProps, path = '$'): Generator<[string, JSONSchemaProps]> {
  yield [path, schema];
  for (const [key, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${key}`);
  if (schema.items) yield* nodes(schema.items, `${path}[]`);
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${path}{}`);
}

describe('toStructuralSchema', () => {
  it('maps leaves with their bounds, patterns, enums and defaults', () => {
    const schema = z.strictObject({
      count: z.int().min(1).max(9).default(3),
      ratio: z.number().min(0),
      name: z.string().min(2).max(5).regex(/^[a-z]+$/),
      mode: z.enum(['a', 'b']).default('a'),
      mcu: z.literal([1, 2, 4]),
      on: z.boolean().optional(),
      tags: z.array(z.string()).min(1).max(3),
      labels: z.record(z.string(), z.string()),
    });
    expect(toStructuralSchema(schema)).toEqual({
      type: 'object',
      properties: {
        count: { type: 'integer', format: 'int64', minimum: 1, maximum: 9, default: 3 },
        ratio: { type: 'number', minimum: 0 },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        mcu: { type: 'integer', enum: [1, 2, 4] },
        on: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
      required: ['ratio', 'name', 'mcu', 'tags', 'labels'],
    });
  });

  it('carries descriptions, CEL rules and list types', () => {
    const bounds = withRules(z.strictObject({ lo: z.int(), hi: z.int() }).describe('a range'), [
      { rule: 'self.lo <= self.hi', message: 'lo above hi', fieldPath: '.lo', holds: (r) => r.lo <= r.hi },
    ]);
    const list = listType(z.array(z.strictObject({ type: z.string() })), 'map', ['type']);
    const out = toStructuralSchema(z.strictObject({ bounds: bounds.prefault({ lo: 0, hi: 1 }), list }));
    expect(out.properties?.bounds).toMatchObject({
      description: 'a range',
      default: { lo: 0, hi: 1 },
      'x-kubernetes-validations': [{ rule: 'self.lo <= self.hi', message: 'lo above hi', fieldPath: '.lo' }],
    });
    expect(out.properties?.list).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
    expect(celRulesOf(bounds)).toHaveLength(1);
  });

  it('refuses what a structural schema cannot express', () => {
    expect(() => toStructuralSchema(z.union([z.string(), z.int()]))).toThrow(/union cannot be expressed/);
    expect(() => toStructuralSchema(z.string().regex(/a/).regex(/b/))).toThrow(/one pattern/);
  });

  it.each([
    ['spec', DocumentPipelineSpec],
    ['status', DocumentPipelineStatus],
  ])('gives every node of the %s a type and uses no $ref, anyOf, oneOf or allOf', (_name, schema) => {
    for (const [path, node] of nodes(toStructuralSchema(schema))) {
      expect(node.type, path).toBeDefined();
      for (const banned of ['$ref', 'anyOf', 'oneOf', 'allOf', 'not']) expect(node, path).not.toHaveProperty(banned);
      if (node.type === 'object') expect(node.properties ?? node.additionalProperties, path).toBeDefined();
    }
  });
});
