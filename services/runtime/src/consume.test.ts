import { describe, expect, it } from 'vitest';
import { eachMessage } from './consume.js';
import type { BusMessage, MessageBatch } from './ports/event-bus.js';

function batchOf(offsets: string[]): MessageBatch & { resolved: string[] } {
  const resolved: string[] = [];
  const messages: BusMessage[] = offsets.map((offset) => ({
    topic: 't',
    partition: 0,
    offset,
    key: null,
    value: Buffer.from(offset),
    headers: {},
    timestamp: 0,
  }));
  return { topic: 't', partition: 0, messages, resolved, resolveOffset: (o) => void resolved.push(o) };
}

describe('eachMessage', () => {
  it('handles messages in order and resolves each', async () => {
    const seen: string[] = [];
    const batch = batchOf(['3', '4', '5']);
    await eachMessage(async (m) => void seen.push(m.offset))(batch);
    expect(seen).toEqual(['3', '4', '5']);
    expect(batch.resolved).toEqual(['3', '4', '5']);
  });

  it('stops at the first failure, having resolved only what succeeded', async () => {
    const batch = batchOf(['3', '4', '5']);
    const run = eachMessage(async (m) => {
      if (m.offset === '4') throw new Error('transient');
    });
    await expect(run(batch)).rejects.toThrow('transient');
    expect(batch.resolved).toEqual(['3']);
  });
});
