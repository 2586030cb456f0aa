import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiProxy } from './api-proxy.js';
import {
  childObjects,
  examplePipeline,
  kubectl,
  metricValue,
  sleep,
  uniqueLeaseName,
  waitFor,
  waitForCondition,
  type OperatorProcess,
} from './helpers.js';
import { startOperatorSuite, type OperatorSuite } from './suite.js';

// The operator's ops port: /healthz is about the process, /readyz about the
// watches having listed (it starts with the API server out of reach, through
// its own proxy), /metrics counts reconciles, failures, durations and the queue.

let suite: OperatorSuite | undefined;
let namespace: string;
let proxy: ApiProxy;
let operator: OperatorProcess;

beforeAll(async () => {
  suite = await startOperatorSuite('op-metrics', { proxy: 'down', operator: { waitReady: false, resyncSeconds: 3600, env: { LEASE_NAME: uniqueLeaseName() } } });
  ({ namespace, operator } = suite);
  proxy = suite.proxy!;
});

afterAll(async () => {
  expect(await suite?.close()).toBe(0);
});

describe('the ops port', () => {
  it('answers /healthz at once but /readyz only once the watches have listed', async () => {
    await waitFor('/healthz', async () => ((await fetch(`${operator.url}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined));
    await sleep(1000);
    expect((await fetch(`${operator.url}/readyz`)).status).toBe(503);
    proxy.setDown(false);
    await waitFor('/readyz 200', async () => ((await fetch(`${operator.url}/readyz`)).status === 200 ? true : undefined), 60_000);
    expect((await fetch(`${operator.url}/healthz`)).status).toBe(200);
  });

  it('counts reconciles, their durations, failed reconciles and the queue depth', async () => {
    kubectl(['apply', '-f', '-'], examplePipeline(namespace, 'good'));
    // A broker nobody listens on: the topics fail, the reconcile fails and is retried with backoff.
    const broken = examplePipeline(namespace, 'broken', (spec) => ((spec['kafka'] as { bootstrapServers: string[] }).bootstrapServers = ['127.0.0.1:9']));
    kubectl(['apply', '-f', '-'], broken);
    await waitFor('children of good', () => (childObjects(namespace, 'good').size === 19 ? true : undefined));
    const topics = await waitForCondition({ namespace, name: 'broken' }, 'TopicsReady', 'False');
    expect(topics.reason).toBe('TopicsFailed');
    await waitFor('a failed reconcile counted', async () => ((await metricValue(operator.url, 'docpipe_operator_reconcile_errors_total')) >= 1 ? true : undefined));

    const text = await (await fetch(`${operator.url}/metrics`)).text();
    expect(await metricValue(operator.url, 'docpipe_operator_reconcile_total', { result: 'success' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(operator.url, 'docpipe_operator_reconcile_total', { result: 'error' })).toBeGreaterThanOrEqual(1);
    // One scrape: every reconcile, whatever its result, is timed.
    const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    expect(sum('docpipe_operator_reconcile_duration_seconds_count')).toBe(sum('docpipe_operator_reconcile_total'));
    expect(sum('docpipe_operator_reconcile_total')).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^docpipe_operator_reconcile_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d+$/m);
    expect(text).toMatch(/^docpipe_operator_workqueue_depth(\{[^}]*\})? \d+$/m);
    expect(await metricValue(operator.url, 'docpipe_operator_leader')).toBe(1);
  });
});
