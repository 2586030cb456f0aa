import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { BusMessage } from '../../ports/event-bus.js';
import { chunk, headersToStrings, messageBytes, prefixResolver, splitBySize, toBusMessage, toKafkaMessage } from './messages.js';

const bus = (offsets: number[]): BusMessage[] =>
  offsets.map((o) => ({ topic: 't', partition: 0, offset: String(o), key: null, value: null, headers: {}, timestamp: 0 }));

describe('message mapping', () => {
  it('sends an empty key as no key, and keeps value and headers', () => {
    const value = Buffer.from('v');
    expect(toKafkaMessage({ key: '', value, headers: { a: '1' } })).toEqual({ key: null, value, headers: { a: '1' } });
    expect(toKafkaMessage({ key: 'doc', value, headers: {} }).key).toBe('doc');
  });

  it('delivers a record with string key, string headers and a numeric timestamp', () => {
    const record = {
      key: Buffer.from('doc-1'),
      value: Buffer.from('{}'),
      timestamp: '1700000000000',
      attributes: 0,
      offset: '42',
      headers: { 'schema-version': Buffer.from('1'), dup: [Buffer.from('first'), Buffer.from('last')] },
    } as KafkaMessage;
    expect(toBusMessage('documents.raw', 2, record)).toEqual({
      topic: 'documents.raw',
      partition: 2,
      offset: '42',
      key: 'doc-1',
      value: Buffer.from('{}'),
      headers: { 'schema-version': '1', dup: 'last' },
      timestamp: 1_700_000_000_000,
    });
    expect(toBusMessage('t', 0, { ...record, key: null } as KafkaMessage).key).toBeNull();
  });

  it('skips undefined header values', () => {
    expect(headersToStrings({ a: undefined, b: 'x' })).toEqual({ b: 'x' });
    expect(headersToStrings(undefined)).toEqual({});
  });
});

describe('chunk', () => {
  it('splits in order into runs of at most the size', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow('positive integer');
  });
});

describe('prefixResolver', () => {
  it('advances only forward, only within its run', () => {
    const advanced: string[] = [];
    const r = prefixResolver(bus([10, 11, 12]), (o) => advanced.push(o));
    r.resolveOffset('9'); // before the run
    r.resolveOffset('13'); // after it
    r.resolveOffset('not-a-number');
    expect(r.resolved()).toBeUndefined();
    r.resolveOffset('11');
    r.resolveOffset('10'); // backwards: ignored
    r.resolveOffset('11'); // again: ignored
    expect(advanced).toEqual(['11']);
    expect(r.resolved()).toBe('11');
    r.resolveOffset('12');
    expect(advanced).toEqual(['11', '12']);
  });

  it('handles offsets beyond 2^53 exactly', () => {
    const big = '9007199254740993';
    const advanced: string[] = [];
    const r = prefixResolver([{ ...bus([0])[0]!, offset: big }], (o) => advanced.push(o));
    r.resolveOffset(big);
    expect(advanced).toEqual([big]);
  });
});

describe('splitBySize', () => {
  const msg = (key: string, bytes: number) => ({ key, value: Buffer.alloc(bytes, 1), headers: { 'schema-version': '1' } });

  it('keeps every run under the request limit, in order, with nothing lost', () => {
    const messages = Array.from({ length: 500 }, (_, i) => msg(`doc-${i % 7}`, 20_000)); // 500 embeddings ≈ 10 MB
    const runs = splitBySize(messages, 900_000);
    expect(runs.length).toBeGreaterThan(10);
    for (const run of runs) expect(run.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(900_000);
    expect(runs.flat()).toEqual(messages);
  });

  it('sends a small publish as one request and a lone oversized message on its own', () => {
    const small = [msg('a', 10), msg('b', 10)];
    expect(splitBySize(small, 900_000)).toEqual([small]);
    const big = msg('c', 2_000_000);
    expect(splitBySize([small[0]!, big, small[1]!], 900_000)).toEqual([[small[0]], [big], [small[1]]]);
  });
});
