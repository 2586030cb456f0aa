/**
 * The archive layout, as MSK Connect's Confluent HDFS 3 sink writes it with
 * the TimeBasedPartitioner (path.format `'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH`,
 * UTC, record timestamps) and zero-padded offsets:
 * `<topic>/year=YYYY/month=MM/day=dd/hour=HH/<topic>+<partition>+<start>+<end>.json`.
 */
import { Topics, type TopicName } from '@docpipe/contracts';

/** The topics the archive keeps (DESIGN §2): everything but analytics output and the DLQ. */
export const ARCHIVED_TOPICS: readonly TopicName[] = [Topics.documentsRaw, Topics.chunksProcessed, Topics.embeddingsReady];

/** The archive writer's consumer group. */
export const ARCHIVE_GROUP_ID = 'docpipe-archive';

const OFFSET_DIGITS = 10;
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `year=YYYY/month=MM/day=dd/hour=HH` of an epoch-ms timestamp, in UTC. */
export function hourPath(timestampMs: number): string {
  const d = new Date(timestampMs);
  if (Number.isNaN(d.getTime())) throw new Error(`not a timestamp: ${timestampMs}`);
  return `year=${d.getUTCFullYear()}/month=${pad2(d.getUTCMonth() + 1)}/day=${pad2(d.getUTCDate())}/hour=${pad2(d.getUTCHours())}`;
}

/** An offset zero-padded to 10 digits, as the sink's `zeroPadOffsetFormat` writes it. */
export function padOffset(offset: bigint): string {
  if (offset < 0n) throw new Error(`negative offset ${offset}`);
  return offset.toString().padStart(OFFSET_DIGITS, '0');
}

/** A committed file's name: `<topic>+<partition>+<start>+<end>.json`, inclusive offsets. */
export function committedFileName(topic: string, partition: number, start: bigint, end: bigint): string {
  return `${topic}+${partition}+${padOffset(start)}+${padOffset(end)}.json`;
}

/** A committed file's full path under the root. */
export function committedFilePath(topic: string, partition: number, range: { start: bigint; end: bigint; timestamp: number }): string {
  return `${topic}/${hourPath(range.timestamp)}/${committedFileName(topic, partition, range.start, range.end)}`;
}

/** What a committed file's name says; undefined for any other name (temporaries, other topics). */
export function parseCommittedFileName(topic: string, name: string): { partition: number; start: bigint; end: bigint } | undefined {
  if (!name.startsWith(`${topic}+`)) return undefined;
  const m = /^(\d+)\+(\d+)\+(\d+)\.json$/.exec(name.slice(topic.length + 1));
  if (!m) return undefined;
  return { partition: Number(m[1]), start: BigInt(m[2]!), end: BigInt(m[3]!) };
}

/**
 * One archive line for a record value: the value exactly as on the topic,
 * except that line breaks inside it are escaped so every record stays one
 * line (such a value is not one-line JSON; readers skip and count it). A
 * null value (a tombstone) is written as `null`, as the sink's JSON format does.
 */
export function archiveLine(value: Buffer | null): string {
  if (value === null) return 'null';
  const text = value.toString('utf8');
  return /[\r\n]/.test(text) ? text.replace(/\r/g, '\\r').replace(/\n/g, '\\n') : text;
}
