import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRegistry } from './metrics.js';

describe('createRegistry', () => {
  it('collects default metrics labelled with the service', async () => {
    const registry = createRegistry('docproc');
    const text = await registry.metrics();
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="docproc"\} \d/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps two services apart in one process', async () => {
    const a = createRegistry('a');
    const b = createRegistry('b');
    new Counter({ name: 'docs_total', help: 'documents', registers: [a] }).inc(2);
    expect(await a.metrics()).toContain('docs_total{service="a"} 2');
    expect(await b.metrics()).not.toContain('docs_total');
  });
});
