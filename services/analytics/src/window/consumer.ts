import { encode, Topics, type AnalyticsWindow } from '@docpipe/contracts';
import type { BusMessage, EventBus, Logger, MessageBatch, Service } from '@docpipe/runtime';
import { Counter, type Registry } from 'prom-client';
import type { WindowCounterConfig } from './config.js';
import { WindowCounter } from './core.js';
import { parseWindowEvent } from './event.js';

/** The window counter's consumer group (the Flink job's group in AWS is set by the operator). */
export const WINDOW_COUNTER_GROUP = 'docpipe-analytics';

export interface WindowCounterDeps {
  bus: EventBus;
  logger: Logger;
  config: WindowCounterConfig;
  /** Where its metrics go; none when omitted. */
  registry?: Registry;
  /** Default WINDOW_COUNTER_GROUP; tests use their own. */
  groupId?: string;
  /** Where a new group starts; default the earliest retained offset, like the Flink job's fallback. */
  fromBeginning?: boolean;
}

interface Observer {
  event(result: 'counted' | 'late' | 'malformed'): void;
  windows(n: number): void;
}

/**
 * Local mode's stand-in for the Flink job: consumes embeddings.ready, counts
 * distinct chunk ids per company in 1-minute event-time windows (WindowCounter)
 * and publishes each closed window to analytics.flink, keyed by company_id.
 *
 * State is in memory only. A graceful stop flushes every open window (as a
 * bounded Flink run does at end of input), so nothing is lost, but a window
 * still receiving events then is emitted early and may be emitted again, with
 * the later events only, after the restart. A crash loses the open windows:
 * at most the last minute plus the watermark bound, whose offsets were already
 * committed. Acceptable for local mode, where analytics.flink feeds a console
 * and nothing bills or alerts on it; the real job keeps this state in Flink
 * checkpoints. Windows that failed to publish are kept and sent first next time.
 */
export async function startWindowCounter(deps: WindowCounterDeps): Promise<Service> {
  const { bus, config } = deps;
  const logger = deps.logger.child({ component: 'window-counter' });
  const observer = windowMetrics(deps.registry);
  const counter = new WindowCounter({ watermarkMs: config.ANALYTICS_WATERMARK_SECONDS * 1000 });
  const pending: AnalyticsWindow[] = [];
  const publishPending = async (): Promise<void> => {
    if (pending.length === 0) return;
    await bus.publish(Topics.analyticsFlink, pending.map((w) => encode(Topics.analyticsFlink, w)));
    observer.windows(pending.length);
    pending.length = 0;
  };
  const feed = (msg: BusMessage): void => {
    const parsed = parseWindowEvent(msg.value);
    if (!parsed.ok) {
      observer.event('malformed');
      logger.warn({ topic: msg.topic, partition: msg.partition, offset: msg.offset, reason: parsed.reason }, 'skipped a malformed embeddings.ready record');
      return;
    }
    const lateBefore = counter.stats.late;
    pending.push(...counter.feed(parsed.event));
    observer.event(counter.stats.late > lateBefore ? 'late' : 'counted');
  };
  const handleBatch = async (batch: MessageBatch): Promise<void> => {
    for (const msg of batch.messages) feed(msg);
    // A throw redelivers the batch: re-fed chunks are deduplicated, and the windows are still pending.
    await publishPending();
    const last = batch.messages.at(-1);
    if (last) batch.resolveOffset(last.offset);
  };
  const subscription = await bus.subscribe({
    groupId: deps.groupId ?? WINDOW_COUNTER_GROUP,
    topics: [Topics.embeddingsReady],
    fromBeginning: deps.fromBeginning ?? true,
    handleBatch,
  });
  logger.info({ watermarkSeconds: config.ANALYTICS_WATERMARK_SECONDS }, 'window counter started');
  return {
    async stop() {
      await subscription.stop();
      pending.push(...counter.flush());
      await publishPending();
      logger.info({ ...counter.stats }, 'window counter stopped');
    },
  };
}

function windowMetrics(registry: Registry | undefined): Observer {
  if (!registry) return { event: () => undefined, windows: () => undefined };
  const registers = [registry];
  const events = new Counter({
    name: 'docpipe_analytics_window_events_total',
    help: 'embeddings.ready records seen by the window counter, by result (counted, late = dropped, malformed = skipped)',
    labelNames: ['result'],
    registers,
  });
  const windows = new Counter({ name: 'docpipe_analytics_windows_published_total', help: 'Windows published to analytics.flink', registers });
  return { event: (result) => events.inc({ result }), windows: (n) => windows.inc(n) };
}
