import { z } from 'zod';

/** Thrown when the environment does not satisfy a package's config schema. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

/**
 * What every service reads. `LOG_FORMAT` stays undefined unless set, so the
 * logger can choose pretty output only when stdout is a terminal.
 */
export const BaseConfig = z.object({
  LOG_LEVEL: LogLevel.default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

/**
 * Parses the environment with `schema` (use z.coerce for numbers). Empty
 * variables count as unset, so `FOO=` in a manifest falls back to the default.
 * Throws ConfigError naming every bad variable.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((issue) => describeProblem(schema, issue, input)));
}

function describeProblem(schema: z.ZodType, issue: z.core.$ZodIssue, input: Record<string, unknown>): string {
  const name = issue.path.length ? issue.path.join('.') : '(environment)';
  const raw = issue.path.length === 1 ? input[String(issue.path[0])] : undefined;
  const got = raw === undefined ? 'not set' : `got ${JSON.stringify(raw)}`;
  return `${name}: expected ${expectation(fieldSchema(schema, issue.path), issue)}, ${got}`;
}

function fieldSchema(schema: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
  if (path.length !== 1 || !(schema instanceof z.ZodObject)) return undefined;
  return unwrap(schema.shape[String(path[0])] as z.ZodType | undefined);
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let s = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
    s = s.unwrap() as z.ZodType;
  }
  return s;
}

/** The whole expectation of the field when we can read it, else zod's message. */
function expectation(field: z.ZodType | undefined, issue: z.core.$ZodIssue): string {
  if (field instanceof z.ZodNumber) return numberExpectation(field);
  if (field instanceof z.ZodEnum) return `one of ${field.options.join('|')}`;
  if (field instanceof z.ZodBoolean) return 'true or false';
  if (issue.code === 'invalid_type') return issue.expected;
  return issue.message.replace(/^Invalid input: expected /, '').replace(/^Too (small|big): expected /, '');
}

function numberExpectation(field: z.ZodNumber): string {
  const kind = field.format === 'safeint' || field.isInt ? 'integer' : 'number';
  const bounds: string[] = [];
  // .int() implies the safe-integer range; naming it would only add noise.
  if (isStated(field.minValue)) bounds.push(`${isExclusive(field, 'greater_than', field.minValue) ? '>' : '≥'} ${field.minValue}`);
  if (isStated(field.maxValue)) bounds.push(`${isExclusive(field, 'less_than', field.maxValue) ? '<' : '≤'} ${field.maxValue}`);
  return [kind, ...bounds].join(' ');
}

/** Whether the bound `value` comes from an exclusive check (`.positive()`, `.gt()`, `.lt()`): minValue/maxValue do not say. */
function isExclusive(field: z.ZodNumber, check: 'greater_than' | 'less_than', value: number): boolean {
  return (field._zod.def.checks ?? []).some((c) => {
    const def = c._zod.def as { check?: string; value?: unknown; inclusive?: boolean };
    return def.check === check && def.value === value && def.inclusive === false;
  });
}

function isStated(bound: number | null): bound is number {
  return bound !== null && Number.isFinite(bound) && Math.abs(bound) !== Number.MAX_SAFE_INTEGER;
}
