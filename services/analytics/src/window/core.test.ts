import { describe, expect, it } from 'vitest';
import { WINDOW_MS, WindowCounter, windowStart } from './core.js';
import { parseWindowEvent, type WindowEvent } from './event.js';
import { countWindows } from './replay.js';
import { SCENARIO_T0, sortWindows, windowScenario } from './scenario.js';

const T0 = SCENARIO_T0;
const S = 1000;
const ev = (companyId: string, chunkId: string, offsetMs: number): WindowEvent => ({ companyId, chunkId, eventTime: T0 + offsetMs });
const win = (company: string, startOffsetMs: number, count: number) => ({
  timestamp: T0 + startOffsetMs,
  window_end: T0 + startOffsetMs + WINDOW_MS,
  company_id: company,
  count,
});

function run(counter: WindowCounter, events: WindowEvent[]) {
  return events.flatMap((e) => counter.feed(e));
}

describe('WindowCounter', () => {
  it('counts an event that arrives out of order but within the bound', () => {
    const counter = new WindowCounter({ watermarkMs: 30 * S });
    const emitted = run(counter, [ev('a', 'c1', 50 * S), ev('a', 'c2', 75 * S), ev('a', 'c3', 40 * S)]);
    expect(emitted).toEqual([]);
    expect(counter.flush()).toEqual([win('a', 0, 2), win('a', 60 * S, 1)]);
    expect(counter.stats).toEqual({ counted: 3, late: 0, emitted: 2 });
  });

  it('drops and counts an event whose window the watermark already closed', () => {
    const counter = new WindowCounter({ watermarkMs: 30 * S });
    const emitted = run(counter, [ev('a', 'c1', 10 * S), ev('a', 'c2', 95 * S), ev('a', 'late', 30 * S)]);
    expect(emitted).toEqual([win('a', 0, 1)]);
    expect(counter.stats.late).toBe(1);
    expect(counter.flush()).toEqual([win('a', 60 * S, 1)]);
  });

  it('counts a redelivered chunk once in its window', () => {
    const counter = new WindowCounter({ watermarkMs: 30 * S });
    run(counter, [ev('a', 'c1', 1 * S), ev('a', 'c1', 2 * S), ev('a', 'c2', 3 * S), ev('a', 'c1', 1 * S)]);
    expect(counter.flush()).toEqual([win('a', 0, 2)]);
    expect(counter.stats.counted).toBe(4);
  });

  it('keeps companies apart, and the same chunk id in another window counts there too', () => {
    const counter = new WindowCounter({ watermarkMs: 0 });
    const emitted = run(counter, [ev('b', 'c1', 1 * S), ev('a', 'c1', 2 * S), ev('a', 'c2', 3 * S), ev('a', 'c1', 61 * S)]);
    expect(emitted).toEqual([win('a', 0, 2), win('b', 0, 1)]);
    expect(counter.flush()).toEqual([win('a', 60 * S, 1)]);
  });

  it('puts an event at an exact multiple of 60 000 ms in the window that starts there', () => {
    expect(windowStart(T0)).toBe(T0);
    expect(windowStart(T0 + WINDOW_MS - 1)).toBe(T0);
    expect(windowStart(T0 + WINDOW_MS)).toBe(T0 + WINDOW_MS);
    const counter = new WindowCounter({ watermarkMs: 10 * S });
    run(counter, [ev('a', 'first', 0), ev('a', 'last', WINDOW_MS - 1), ev('a', 'next', WINDOW_MS)]);
    expect(counter.flush()).toEqual([win('a', 0, 2), win('a', WINDOW_MS, 1)]);
  });

  it('closes a window when the watermark reaches its last millisecond, not before', () => {
    const counter = new WindowCounter({ watermarkMs: 10 * S });
    expect(run(counter, [ev('a', 'c1', 5 * S), ev('a', 'c2', 70 * S - 2)])).toEqual([]);
    expect(counter.watermark).toBe(T0 + WINDOW_MS - 2);
    // One more millisecond: watermark = window end − 1, the window fires.
    expect(counter.feed(ev('a', 'c3', 70 * S - 1))).toEqual([win('a', 0, 1)]);
    expect(counter.feed(ev('a', 'c4', WINDOW_MS - 1))).toEqual([]);
    expect(counter.stats.late).toBe(1);
  });

  it('judges an event against the watermark of the events before it, as Flink does', () => {
    // With no bound, the last millisecond of a window raises the watermark to that window's
    // trigger time, but the event itself was emitted before its watermark: it still counts.
    const counter = new WindowCounter({ watermarkMs: 0 });
    expect(counter.feed(ev('a', 'c1', WINDOW_MS - 1))).toEqual([win('a', 0, 1)]);
    expect(counter.stats).toEqual({ counted: 1, late: 0, emitted: 1 });
  });

  it('never lowers the watermark', () => {
    const counter = new WindowCounter({ watermarkMs: 0 });
    run(counter, [ev('a', 'c1', 50 * S), ev('a', 'c2', 10 * S)]);
    expect(counter.watermark).toBe(T0 + 50 * S);
  });

  it('emits every open window at end of input, oldest first, then by company', () => {
    const counter = new WindowCounter({ watermarkMs: 300 * S });
    run(counter, [ev('b', 'c1', 125 * S), ev('a', 'c1', 5 * S), ev('c', 'c1', 61 * S), ev('a', 'c2', 62 * S)]);
    expect(counter.openWindows).toBe(4);
    expect(counter.flush()).toEqual([win('a', 0, 1), win('a', 60 * S, 1), win('c', 60 * S, 1), win('b', 120 * S, 1)]);
    expect(counter.openWindows).toBe(0);
    expect(counter.flush()).toEqual([]);
  });

  it('rejects a negative bound', () => {
    expect(() => new WindowCounter({ watermarkMs: -1 })).toThrow(/non-negative/);
  });
});

describe('countWindows over the crafted scenario', () => {
  it('gives exactly the windows worked out by hand, with the late and malformed records counted', () => {
    const scenario = windowScenario();
    const result = countWindows(scenario.values, scenario.watermarkSeconds);
    expect(sortWindows(result.windows)).toEqual(scenario.expected);
    expect(result.late).toBe(scenario.late);
    expect(result.malformed).toBe(scenario.malformed);
    expect(result.emitted).toBe(scenario.expected.length);
  });

  it('emits the windows the watermark closes before the end of input, in the order they close', () => {
    const scenario = windowScenario();
    const counter = new WindowCounter({ watermarkMs: scenario.watermarkSeconds * 1000 });
    const emitted = scenario.values.flatMap((v) => {
      const parsed = parseWindowEvent(v);
      return parsed.ok ? counter.feed(parsed.event) : [];
    });
    // The watermark closes W0 (both companies) and W1 (acme); W2 and W3 wait for the flush.
    expect(emitted).toEqual(scenario.expected.slice(0, 3));
    expect(counter.flush()).toEqual(scenario.expected.slice(3));
  });
});
