import { chunkId, type AnalyticsWindow, type EmbeddingReady } from '@docpipe/contracts';

/**
 * A crafted embeddings.ready input with its expected windows worked out by
 * hand, shared by the window counter's unit tests and the test that runs the
 * real Flink job on the same records: out of order within the bound, late
 * beyond it (once exactly at the window's last millisecond), duplicates,
 * window boundaries at exact multiples of 60 000 ms, two companies, and six
 * malformed values. Its result does not depend on when watermarks are
 * emitted, as long as every record's watermark is (Flink: on-event emission).
 */
export interface WindowScenario {
  watermarkSeconds: number;
  /** Record values in topic order; null is a tombstone. */
  values: Array<string | null>;
  /** Document id of each record (the topic's key), null for the malformed ones. */
  keys: Array<string | null>;
  /** Every window the run must emit, sorted by timestamp then company. */
  expected: AnalyticsWindow[];
  late: number;
  malformed: number;
}

/** 2024-01-01T00:00:00Z: a multiple of 60 000 ms. */
export const SCENARIO_T0 = 1_704_067_200_000;

const S = 1000;

/** The crafted input; companies and documents get `suffix` so runs on a shared broker never mix. */
export function windowScenario(suffix = ''): WindowScenario {
  const acme = `acme${suffix}`;
  const globex = `globex${suffix}`;
  const d1 = '11111111-1111-4111-8111-111111111111';
  const d2 = '22222222-2222-4222-8222-222222222222';
  const ev = (company: string, doc: string, index: number, offsetMs: number): [string, string] => [
    doc,
    JSON.stringify(scenarioEmbedding(company, doc, index, SCENARIO_T0 + offsetMs)),
  ];
  const bad = (value: string | null): [null, string | null] => [null, value];
  // Watermark (bound 30 s) after each record in the comments; W0 = [T0, T0+60s), W1 = [+60s, +120s), ...
  const records: Array<[string | null, string | null]> = [
    ev(acme, d1, 0, 10 * S), //          W0                 wm −20 s
    ev(acme, d1, 1, 60 * S - 1), //      W0, last ms        wm 29.999 s
    ev(globex, d2, 0, 55 * S), //        W0
    ev(acme, d1, 2, 60 * S), //          W1, first ms       wm 30 s
    ev(acme, d1, 3, 20 * S), //          W0, out of order within the bound
    ev(acme, d1, 0, 10 * S), //          W0, duplicate of the first: counts once
    bad('not json'),
    bad(JSON.stringify({ company_id: acme, embedded_at: SCENARIO_T0 + S })), // no chunk_id
    ev(acme, d1, 4, 90 * S - 1), //      W1                 wm 59.999 s: W0 closes (acme 3, globex 1)
    ev(globex, d2, 1, 60 * S - 2), //    W0: late by the window's last millisecond, dropped
    bad(null), //                        tombstone
    ev(acme, d1, 5, 120 * S), //         W2                 wm 90 s
    bad(JSON.stringify({ chunk_id: chunkId(d2, 9), company_id: globex, embedded_at: 'soon' })),
    ev(globex, d2, 2, 200 * S), //       W3                 wm 170 s: W1 closes (acme 2)
    ev(acme, d1, 6, 100 * S), //         W1: late, dropped
    ev(acme, d1, 7, 150 * S), //         W2, out of order within the bound
    bad('[1,2,3]'),
    bad(JSON.stringify({ chunk_id: chunkId(d1, 8), company_id: '', embedded_at: SCENARIO_T0 })),
  ];
  const w = (company: string, startOffsetMs: number, count: number): AnalyticsWindow => ({
    timestamp: SCENARIO_T0 + startOffsetMs,
    window_end: SCENARIO_T0 + startOffsetMs + 60 * S,
    company_id: company,
    count,
  });
  return {
    watermarkSeconds: 30,
    keys: records.map(([k]) => k),
    values: records.map(([, v]) => v),
    // End of input closes W2 (acme 2) and W3 (globex 1).
    expected: [w(acme, 0, 3), w(globex, 0, 1), w(acme, 60 * S, 2), w(acme, 120 * S, 2), w(globex, 180 * S, 1)],
    late: 2,
    malformed: 6,
  };
}

/** A well-formed embeddings.ready payload (tiny vector: the counter never reads it). */
export function scenarioEmbedding(companyId: string, documentId: string, chunkIndex: number, embeddedAt: number): EmbeddingReady {
  return {
    chunk_id: chunkId(documentId, chunkIndex),
    document_id: documentId,
    company_id: companyId,
    vector: [0.25, -0.5, 0.125],
    chunk_index: chunkIndex,
    chunk_count: 16,
    model: 'local-test',
    embedded_at: embeddedAt,
  };
}

/** Windows in a canonical order (timestamp, then company): emission order within a timestamp is the engine's. */
export function sortWindows(windows: readonly AnalyticsWindow[]): AnalyticsWindow[] {
  return [...windows].sort((a, b) => a.timestamp - b.timestamp || (a.company_id < b.company_id ? -1 : a.company_id > b.company_id ? 1 : 0));
}
