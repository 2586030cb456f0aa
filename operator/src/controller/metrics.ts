import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The operator's own series (the registry adds process metrics and the `service` label). */
export interface OperatorMetrics {
  reconciles: Counter<'result'>;
  errors: Counter;
  duration: Histogram<'result'>;
  queueDepth: Gauge;
  leader: Gauge;
}

/** Registers the reconcile, queue and leader series; `depth` is read at scrape time. */
export function operatorMetrics(registry: Registry, depth: () => number): OperatorMetrics {
  const registers = [registry];
  return {
    reconciles: new Counter({ name: 'docpipe_operator_reconcile_total', help: 'Reconciles by result (success, error, requeue)', labelNames: ['result'], registers }),
    errors: new Counter({ name: 'docpipe_operator_reconcile_errors_total', help: 'Reconciles that failed and were retried with backoff', registers }),
    duration: new Histogram({
      name: 'docpipe_operator_reconcile_duration_seconds',
      help: 'Time of one reconcile',
      labelNames: ['result'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'docpipe_operator_workqueue_depth',
      help: 'Pipelines waiting to be reconciled',
      registers,
      collect() {
        this.set(depth());
      },
    }),
    leader: new Gauge({ name: 'docpipe_operator_leader', help: '1 while this replica holds the leader Lease', registers }),
  };
}
