import { collectDefaultMetrics, Registry } from 'prom-client';

export { Registry } from 'prom-client';

/**
 * A Prometheus registry for one service: default process/Node metrics, every
 * series labelled `service`. Each service owns its registry, so local mode can
 * host all of them in one process without name clashes.
 */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
