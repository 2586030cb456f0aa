import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './logging.js';
import { onShutdown } from './shutdown.js';

const logger = createLogger({ name: 'test', level: 'silent', format: 'json' });
// A signal no test runner uses, emitted in-process: no real signal is sent.
const SIGNAL: NodeJS.Signals = 'SIGUSR2';

afterEach(() => {
  expect(process.listenerCount(SIGNAL)).toBe(0);
});

function recorder() {
  const events: string[] = [];
  const codes: number[] = [];
  return {
    events,
    codes,
    exit: (code: number) => void codes.push(code),
    step: (name: string, fn: () => Promise<void> = async () => {}) => ({
      name,
      stop: async () => {
        events.push(`start ${name}`);
        await fn();
        events.push(`end ${name}`);
      },
    }),
  };
}

describe('onShutdown', () => {
  it('runs the steps in order on a signal, then exits 0', async () => {
    const r = recorder();
    const trigger = onShutdown(logger, [r.step('http', () => new Promise((res) => setTimeout(res, 5))), r.step('bus')], {
      signals: [SIGNAL],
      exit: r.exit,
    });
    process.emit(SIGNAL, SIGNAL);
    await trigger(); // same sequence, not a second one
    expect(r.events).toEqual(['start http', 'end http', 'start bus', 'end bus']);
    expect(r.codes).toEqual([0]);
  });

  it('runs the remaining steps after a failure, and exits 1', async () => {
    const r = recorder();
    const trigger = onShutdown(
      logger,
      [
        r.step('a', async () => {
          throw new Error('boom');
        }),
        r.step('b'),
      ],
      { signals: [SIGNAL], exit: r.exit },
    );
    await trigger();
    expect(r.events).toEqual(['start a', 'start b', 'end b']);
    expect(r.codes).toEqual([1]);
  });

  it('exits 1 when the sequence overruns its timeout', async () => {
    const r = recorder();
    let release: () => void = () => {};
    const trigger = onShutdown(logger, [r.step('stuck', () => new Promise<void>((res) => (release = res)))], {
      signals: [SIGNAL],
      exit: r.exit,
      timeoutMs: 20,
    });
    await trigger();
    expect(r.codes).toEqual([1]);
    release();
  });

  it('exits 1 at once on a second signal', async () => {
    const r = recorder();
    let release: () => void = () => {};
    const trigger = onShutdown(logger, [r.step('slow', () => new Promise<void>((res) => (release = res)))], {
      signals: [SIGNAL],
      exit: r.exit,
    });
    process.emit(SIGNAL, SIGNAL);
    process.emit(SIGNAL, SIGNAL);
    expect(r.codes).toEqual([1]);
    release();
    await trigger();
    expect(r.codes).toEqual([1]); // exits once, even when the slow step ends later
  });

  it('runs the sequence once however often it is triggered', async () => {
    const r = recorder();
    const trigger = onShutdown(logger, [r.step('only')], { signals: [SIGNAL], exit: r.exit });
    await Promise.all([trigger(), trigger()]);
    expect(r.events).toEqual(['start only', 'end only']);
    expect(r.codes).toEqual([0]);
  });
});
