/**
 * The spool: records the writer has taken from the bus (so the bus commits
 * them) but not yet written to their archive file. The EventBus commits a
 * batch when its handler returns, so a buffer that spans batches must be
 * durable before the handler returns. Like the Confluent sink's `+tmp`
 * directory, it sits beside the topics: `+tmp/<topic>/<partition>/<start>+<end>.jsonl`.
 */
import { padOffset } from './layout.js';
import { joinPath } from './store.js';

/** A record waiting for its archive file. */
export interface PendingRecord {
  offset: bigint;
  /** Record timestamp, epoch ms: picks the hour directory. */
  timestamp: number;
  /** The archive line (see archiveLine). */
  line: string;
}

export const SPOOL_DIR = '+tmp';
const SEGMENT = /^\d+\+\d+\.jsonl$/;

/** The spool directory of one topic-partition. */
export function spoolDir(topic: string, partition: number): string {
  return joinPath(SPOOL_DIR, topic, String(partition));
}

/** A segment's path; names sort by offset because offsets are zero-padded. */
export function segmentPath(topic: string, partition: number, records: PendingRecord[]): string {
  const first = records[0]!.offset;
  const last = records[records.length - 1]!.offset;
  return joinPath(spoolDir(topic, partition), `${padOffset(first)}+${padOffset(last)}.jsonl`);
}

/** True for a segment's name (not a temporary left by an interrupted put). */
export function isSegmentName(name: string): boolean {
  return SEGMENT.test(name);
}

/** One JSON array per record: [offset, timestamp, line]. */
export function encodeSegment(records: PendingRecord[]): string {
  return records.map((r) => JSON.stringify([r.offset.toString(), r.timestamp, r.line])).join('\n') + '\n';
}

/** Parses a segment; throws on a damaged one (a put is atomic, so that means someone else wrote it). */
export function decodeSegment(content: string, path: string): PendingRecord[] {
  return content
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l, i) => {
      const row = JSON.parse(l) as unknown;
      if (!Array.isArray(row) || typeof row[0] !== 'string' || typeof row[1] !== 'number' || typeof row[2] !== 'string') {
        throw new Error(`spool segment ${path} line ${i + 1} is damaged`);
      }
      return { offset: BigInt(row[0]), timestamp: row[1], line: row[2] };
    });
}
