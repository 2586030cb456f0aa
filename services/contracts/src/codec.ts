import { z } from 'zod';
import { TopicKeyField, TopicSchemas, type TopicPayload } from './payloads.js';
import type { TopicName } from './topics.js';

/** The version of the payload schemas; sent in every message's `schema-version` header. */
export const SCHEMA_VERSION = '1';

export const Headers = {
  schemaVersion: 'schema-version',
  traceparent: 'traceparent',
} as const;

/** A message as it travels on the bus: key, JSON value, string headers. */
export interface EncodedMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Thrown when a producer tries to send a payload that breaks its topic's schema. */
export class SchemaError extends Error {
  constructor(
    readonly topic: TopicName,
    readonly issues: string,
  ) {
    super(`invalid ${topic} payload: ${issues}`);
    this.name = 'SchemaError';
  }
}

/** Renders zod issues as one line: `field: problem; field: problem`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates and serialises a payload for `topic`. Every producer goes through
 * here, so nothing invalid is ever sent.
 */
export function encode<T extends TopicName>(
  topic: T,
  payload: TopicPayload<T>,
  opts: { traceparent?: string } = {},
): EncodedMessage {
  const parsed = TopicSchemas[topic].safeParse(payload);
  if (!parsed.success) throw new SchemaError(topic, describeIssues(parsed.error));
  const value = parsed.data as Record<string, unknown>;
  const headers: Record<string, string> = { [Headers.schemaVersion]: SCHEMA_VERSION };
  if (opts.traceparent) headers[Headers.traceparent] = opts.traceparent;
  return { key: String(value[TopicKeyField[topic]] ?? ''), value: Buffer.from(JSON.stringify(value)), headers };
}

export type Decoded<T extends TopicName> =
  | { ok: true; value: TopicPayload<T> }
  | { ok: false; error: string; partial: { document_id: string | null; company_id: string | null } };

/**
 * Parses and validates a received message. Never throws: a poison message
 * comes back as `{ok: false}` with a readable error and whatever ids could be
 * salvaged, so the consumer can route it to `documents.dlq`.
 */
export function decode<T extends TopicName>(topic: T, value: Buffer | string | null): Decoded<T> {
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : (value?.toString('utf8') ?? ''));
  } catch (err) {
    return { ok: false, error: `not valid JSON: ${(err as Error).message}`, partial: { document_id: null, company_id: null } };
  }
  const parsed = TopicSchemas[topic].safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data as TopicPayload<T> };
  return { ok: false, error: `invalid ${topic} payload: ${describeIssues(parsed.error)}`, partial: salvageIds(json) };
}

function salvageIds(json: unknown): { document_id: string | null; company_id: string | null } {
  const obj = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const documentId = z.uuid().safeParse(obj['document_id']);
  const companyId = TopicSchemas['documents.raw'].shape.company_id.safeParse(obj['company_id']);
  return {
    document_id: documentId.success ? documentId.data : null,
    company_id: companyId.success ? companyId.data : null,
  };
}
