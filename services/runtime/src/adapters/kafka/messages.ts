import type { EncodedMessage } from '@docpipe/contracts';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { BusMessage } from '../../ports/event-bus.js';

/** Our message as kafkajs sends it: an empty key means no key (round robin), like the embedded bus. */
export function toKafkaMessage(m: EncodedMessage): Message {
  return { key: m.key === '' ? null : m.key, value: m.value, headers: { ...m.headers } };
}

/** A fetched record as the port delivers it. */
export function toBusMessage(topic: string, partition: number, m: KafkaMessage): BusMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    value: m.value,
    headers: headersToStrings(m.headers),
    timestamp: Number(m.timestamp),
  };
}

/**
 * Header values as UTF-8 strings. Kafka allows a name twice (kafkajs then
 * gives an array): the last one wins, as with Java's `lastHeader`.
 */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

/** Bytes a message adds to a produce request before compression (key, value, headers, ~70 bytes of framing). */
export function messageBytes(m: EncodedMessage): number {
  let bytes = 70 + Buffer.byteLength(m.key) + m.value.length;
  for (const [name, value] of Object.entries(m.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/**
 * Splits `messages` into runs, in order, of at most `maxBytes` each (a single
 * larger message stands alone: the broker, not we, will refuse it). A produce
 * request's batch per partition must stay under the broker's
 * `message.max.bytes` (about 1 MB by default, and on MSK), and a publish of
 * 500 embeddings of 1536 floats is 10 MB.
 */
export function splitBySize(messages: readonly EncodedMessage[], maxBytes: number): EncodedMessage[][] {
  const runs: EncodedMessage[][] = [];
  let run: EncodedMessage[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = messageBytes(m);
    if (run.length > 0 && size + bytes > maxBytes) {
      runs.push(run);
      run = [];
      size = 0;
    }
    run.push(m);
    size += bytes;
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Splits `items` into runs of at most `size`, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The port's `resolveOffset` for one delivered run of messages: it accepts
 * only offsets of that run and only moves forward (kafkajs would happily move
 * its marker back), and reports each advance to `onAdvance`.
 */
export function prefixResolver(
  messages: readonly BusMessage[],
  onAdvance: (offset: string) => void,
): { resolveOffset(offset: string): void; resolved(): string | undefined } {
  const first = BigInt(messages[0]?.offset ?? 0);
  const last = BigInt(messages[messages.length - 1]?.offset ?? -1);
  let resolved: bigint | undefined;
  return {
    resolveOffset(offset: string) {
      const n = parseOffset(offset);
      if (n === undefined || n < first || n > last || (resolved !== undefined && n <= resolved)) return;
      resolved = n;
      onAdvance(n.toString());
    },
    resolved: () => resolved?.toString(),
  };
}

function parseOffset(offset: string): bigint | undefined {
  return /^\d+$/.test(offset) ? BigInt(offset) : undefined;
}
