import { randomUUID } from 'node:crypto';
import { decode, Topics, type AnalyticsWindow } from '@docpipe/contracts';
import { createLogger, createRegistry, openEmbeddedEventBus, type EventBus, type Subscription } from '@docpipe/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { startWindowCounter } from './consumer.js';
import { sortWindows, windowScenario } from './scenario.js';

const logger = createLogger({ name: 'window-counter-test', level: 'silent' });

interface Received {
  key: string | null;
  window: AnalyticsWindow;
  schemaVersion: string | undefined;
}

async function collect(bus: EventBus, into: Received[]): Promise<Subscription> {
  return bus.subscribe({
    groupId: `test-${randomUUID()}`,
    topics: [Topics.analyticsFlink],
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const d = decode(Topics.analyticsFlink, m.value);
        if (!d.ok) throw new Error(d.error);
        into.push({ key: m.key, window: d.value, schemaVersion: m.headers['schema-version'] });
      }
    },
  });
}

async function until(done: () => boolean, what: string, boundMs = 30_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('window counter on the embedded bus', () => {
  const open: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const s of open.reverse()) await s.stop();
    open.length = 0;
  });

  it('publishes closed windows while running and the open ones on stop, keyed by company_id', async () => {
    // One partition, so the records arrive in the scenario's order, as from Flink's single-partition source.
    const bus = await openEmbeddedEventBus({ logger, partitions: 1, pollIntervalMs: 20 });
    open.push({ stop: () => bus.close() });
    const received: Received[] = [];
    open.push(await collect(bus, received));
    const registry = createRegistry('window-counter-test');
    const counter = await startWindowCounter({ bus, logger, registry, config: { ANALYTICS_WATERMARK_SECONDS: 30 } });

    const scenario = windowScenario();
    await bus.publish(
      Topics.embeddingsReady,
      scenario.values.map((v, i) => ({ key: scenario.keys[i] ?? 'poison', value: Buffer.from(v ?? ''), headers: {} })),
    );
    // The watermark closes W0 (two companies) and W1 before the end of input.
    await until(() => received.length >= 3, 'the windows the watermark closed');
    expect(received.map((r) => r.window)).toEqual(scenario.expected.slice(0, 3));

    await counter.stop();
    await until(() => received.length >= scenario.expected.length, 'the flushed windows');
    expect(sortWindows(received.map((r) => r.window))).toEqual(scenario.expected);
    expect(received.every((r) => r.key === r.window.company_id && r.schemaVersion === '1')).toBe(true);

    const events = await registry.getSingleMetricAsString('docpipe_analytics_window_events_total');
    expect(events).toMatch(/result="late"[^\n]* 2$/m);
    expect(events).toMatch(/result="malformed"[^\n]* 6$/m);
    expect(events).toMatch(/result="counted"[^\n]* 10$/m);
  });
});
