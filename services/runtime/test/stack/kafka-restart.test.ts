import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import { createLogger, type BusMessage, type Subscription } from '@docpipe/runtime';
import { openKafkaEventBus, type KafkaEventBus } from '@docpipe/runtime/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Stopping the shared broker would break other suites: this one runs a broker of
// its own on other ports, with its state in a temporary directory.
const run = promisify(execFile);
const kafkaSh = fileURLToPath(new URL('../../../../scripts/kafka.sh', import.meta.url));
const PORT = Number(process.env['KAFKA_RESTART_TEST_PORT'] ?? 19192);
const logger = createLogger({ name: 'kafka-restart-test', level: process.env['TEST_LOG_LEVEL'] ?? 'silent', format: 'json' });

let stateDir = '';
const env = () => ({ ...process.env, KAFKA_PORT: String(PORT), KAFKA_CONTROLLER_PORT: String(PORT + 1), DOCPIPE_STACK_DIR: stateDir });
const broker = (command: 'start' | 'stop') => run(kafkaSh, [command], { env: env(), timeout: 150_000 });

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'docpipe-kafka-restart-'));
  await broker('start');
});
afterAll(async () => {
  if (stateDir) {
    await broker('stop');
    await rm(stateDir, { recursive: true, force: true });
  }
});

function msg(value: string): EncodedMessage {
  return { key: 'k', value: Buffer.from(value), headers: {} };
}

async function until(condition: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('KafkaEventBus across a broker restart', () => {
  let bus: KafkaEventBus;
  let sub: Subscription | undefined;

  afterAll(async () => {
    await sub?.stop();
    await bus?.close();
  });

  it('rejects publishes while the broker is down and works again once it is back, consumer included', async () => {
    bus = await openKafkaEventBus({
      brokers: [`127.0.0.1:${PORT}`],
      clientId: 'restart-test',
      logger,
      // Few, quick retries: a publish to a stopped broker fails within seconds.
      retry: { retries: 2, initialRetryTimeMs: 200, maxRetryTimeMs: 1_000 },
      connectionTimeoutMs: 1_000,
      pingTimeoutMs: 1_000,
      consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000, maxWaitTimeMs: 500, restartBackoffMs: { initial: 500, max: 2_000 } },
    });
    const topic = 'restart.test' as TopicName;
    await bus.ensureTopics([{ topic, numPartitions: 1, replicationFactor: 1 }]);
    const seen: BusMessage[] = [];
    sub = await bus.subscribe({ groupId: 'restart-test', topics: [topic], handleBatch: async (b) => void seen.push(...b.messages) });
    await bus.publish(topic, [msg('before')]);
    await until(() => seen.length === 1, 'the first message');

    await broker('stop');
    await expect(bus.publish(topic, [msg('while-down')])).rejects.toThrow(/publishing 1 message\(s\) to restart\.test failed/);
    expect(await bus.ping()).toBe(false);

    await broker('start');
    await bus.publish(topic, [msg('after')]);
    expect(await bus.ping()).toBe(true);
    await until(() => seen.some((m) => m.value!.toString() === 'after'), 'the message published after the restart');
    // 'while-down' was never acknowledged; whatever else arrived came in order.
    const values = seen.map((m) => m.value!.toString());
    expect(values[0]).toBe('before');
    expect(values[values.length - 1]).toBe('after');
    expect(values.filter((v) => v === 'after')).toHaveLength(1);
    expect(values).not.toContain('while-down');
  });
});
