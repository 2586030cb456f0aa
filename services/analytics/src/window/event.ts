/** What the window counter needs of an embeddings.ready record. */
export interface WindowEvent {
  chunkId: string;
  companyId: string;
  /** `embedded_at`, epoch ms: the event time. */
  eventTime: number;
}

export type ParsedWindowEvent = { ok: true; event: WindowEvent } | { ok: false; reason: string };

const INTEGER_TEXT = /^\d+$/;

/**
 * Reads the three fields the windows use from a record value, with the rules of
 * jobs/flink/job.py so that both skip exactly the same records: a JSON object
 * whose `chunk_id` and `company_id` are present, not null and not empty once
 * read as text (Flink's JSON format reads a STRING column from any JSON value:
 * a number as its digits, an object as its JSON), and whose `embedded_at` is a
 * non-negative integer or the text of one (Flink: TRY_CAST of the text to
 * BIGINT). The rest of the payload (vector, model, ...) is not the counter's
 * business, so it is not validated here: Flink does not read it either.
 * Known gaps, for values no producer of ours writes: Flink reads 1e3 as "1000.0"
 * (not an integer) and ignores bytes after the closing brace.
 */
export function parseWindowEvent(value: Buffer | string | null): ParsedWindowEvent {
  const json = parseJson(value);
  if (json === undefined) return { ok: false, reason: 'not JSON' };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'not a JSON object' };
  const record = json as Record<string, unknown>;
  const chunkId = asText(record['chunk_id']);
  if (!chunkId) return { ok: false, reason: 'chunk_id missing or empty' };
  const companyId = asText(record['company_id']);
  if (!companyId) return { ok: false, reason: 'company_id missing or empty' };
  const eventTime = epochMs(record['embedded_at']);
  if (eventTime === undefined) return { ok: false, reason: 'embedded_at is not a non-negative integer' };
  return { ok: true, event: { chunkId, companyId, eventTime } };
}

function parseJson(value: Buffer | string | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function epochMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}
