import type { EncodedMessage, TopicName } from '@docpipe/contracts';
import type { DocumentRepository, EventBus, Logger, OutboxMessage, Service } from '@docpipe/runtime';

/** The longest pause between attempts while the database or the bus keeps failing. */
export const MAX_BACKOFF_MS = 10_000;

export interface OutboxRelayDeps {
  repo: DocumentRepository;
  bus: EventBus;
  logger: Logger;
  config: { OUTBOX_POLL_MS: number; OUTBOX_BATCH_SIZE: number };
}

/** The running relay: `kick()` relays now instead of at the next poll. */
export interface OutboxRelay extends Service {
  kick(): void;
}

/** Publishes outbox messages, in order, one bus call per topic. */
export async function publishGrouped(bus: EventBus, messages: OutboxMessage[]): Promise<void> {
  const byTopic = new Map<TopicName, EncodedMessage[]>();
  for (const { topic, message } of messages) {
    const group = byTopic.get(topic) ?? [];
    group.push(message);
    byTopic.set(topic, group);
  }
  for (const [topic, group] of byTopic) await bus.publish(topic, group);
}

/** The delay before the next attempt after `failures` failures in a row (doubling, capped). */
export function backoffMs(failures: number, baseMs: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Moves the transactional outbox onto the bus: relays full batches back to
 * back, then sleeps OUTBOX_POLL_MS or until kicked. Errors are logged and
 * retried with backoff; the loop never dies while the service runs.
 */
export function startOutboxRelay(deps: OutboxRelayDeps): OutboxRelay {
  const log = deps.logger.child({ component: 'outbox-relay' });
  const { OUTBOX_BATCH_SIZE: batch, OUTBOX_POLL_MS: pollMs } = deps.config;
  const sleeper = new Sleeper();
  let running = true;
  let failures = 0;

  const relayOnce = async (): Promise<number> => {
    const relayed = await deps.repo.relayOutbox(batch, (messages) => publishGrouped(deps.bus, messages));
    if (relayed > 0) log.debug({ relayed }, 'relayed outbox messages');
    return relayed;
  };

  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const relayed = await relayOnce();
        failures = 0;
        if (relayed < batch) await sleeper.sleep(pollMs);
      } catch (err) {
        failures += 1;
        const delay = backoffMs(failures, pollMs);
        log.error({ err, failures, retryInMs: delay }, 'outbox relay failed');
        await sleeper.sleep(delay);
      }
    }
  };

  const done = loop();
  return {
    kick: () => sleeper.wake(),
    stop: async () => {
      running = false;
      sleeper.wake();
      await done;
    },
  };
}

/** A sleep that `wake()` cuts short; a wake while awake makes the next sleep return at once. */
class Sleeper {
  private pending = false;
  private wakeUp: (() => void) | null = null;

  async sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = finish;
    });
  }

  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.pending = true;
  }
}
