import type { BusMessage, MessageBatch } from './ports/event-bus.js';

/**
 * Adapts a per-message handler to `handleBatch`: messages run one at a time in
 * offset order and each success is resolved, so a throw redelivers only the
 * failed message and those after it.
 */
export function eachMessage(handler: (msg: BusMessage) => Promise<void>): (batch: MessageBatch) => Promise<void> {
  return async (batch) => {
    for (const msg of batch.messages) {
      await handler(msg);
      batch.resolveOffset(msg.offset);
    }
  };
}
