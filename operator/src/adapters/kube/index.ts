// The client-node adapter: the only folder that imports @kubernetes/client-node.
import type { Logger } from '@docpipe/runtime';
import type { KubeApi, KubeWatcher, LeaseStore } from '../../controller/ports.js';
import { RestKubeApi } from './kube-api.js';
import { RestLeaseStore } from './lease-store.js';
import { PooledKubeConfig } from './pooled-config.js';
import { KubeRest } from './rest.js';
import { RestKubeWatcher } from './watch.js';

export { KubeApiError, isStatus, KubeRest } from './rest.js';
export { RestKubeApi, listAll, microTime } from './kube-api.js';
export { RestKubeWatcher } from './watch.js';
export { RestLeaseStore } from './lease-store.js';
export { resourcePath } from './resources.js';
export { PooledKubeConfig } from './pooled-config.js';

export interface KubeConnection {
  kube: KubeApi;
  watcher: KubeWatcher;
  lease(namespace: string, name: string): LeaseStore;
  /** The API server's URL, for logs. */
  server: string;
  /** Closes the shared connections; call after the watches and requests have ended. */
  close(): Promise<void>;
}

/**
 * Connects with client-node's default loading (KUBECONFIG, ~/.kube/config,
 * or the in-cluster service account). Refuses a cluster that skips TLS
 * verification: the CA must be explicit.
 */
export function connectKube(logger: Logger, identity: string): KubeConnection {
  // One connection pool for every request and watch (see PooledKubeConfig).
  const kc = new PooledKubeConfig();
  kc.loadFromDefault();
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig: no current cluster (set KUBECONFIG or run in a pod)');
  if (cluster.skipTLSVerify) throw new Error(`kubeconfig: cluster ${cluster.name} skips TLS verification; give it its CA instead`);
  const rest = new KubeRest(kc);
  const log = logger.child({ component: 'kube' });
  return {
    kube: new RestKubeApi(rest, log, identity),
    watcher: new RestKubeWatcher(kc, rest, log),
    lease: (namespace, name) => new RestLeaseStore(rest, namespace, name),
    server: cluster.server,
    close: () => kc.closeConnections(),
  };
}
