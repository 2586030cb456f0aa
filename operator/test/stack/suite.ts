import { ApiProxy } from './api-proxy.js';
import { createNamespace, deleteNamespace, installCrd, startOperator, type OperatorProcess, type StartOperatorOptions } from './helpers.js';

/** One suite's operator: the CRD installed, a namespace of its own, the operator watching it (through an ApiProxy when asked). */
export interface OperatorSuite {
  namespace: string;
  operator: OperatorProcess;
  proxy: ApiProxy | undefined;
  /** SIGTERM to the operator, then the proxy closed and the namespace deleted; answers the operator's exit code (0: drained, Lease released). */
  close(): Promise<number | null>;
}

export interface OperatorSuiteOptions {
  /** Talk to the API server through an ApiProxy: 'up', or 'down' so the operator starts against an unreachable server. */
  proxy?: 'up' | 'down';
  /** How to start the operator (its KUBECONFIG is the proxy's when there is one). */
  operator?: Omit<StartOperatorOptions, 'namespace'>;
}

/** Starts an operator suite in a fresh namespace `<prefix>-…`; what started is undone again when a later step fails. */
export async function startOperatorSuite(prefix: string, opts: OperatorSuiteOptions = {}): Promise<OperatorSuite> {
  installCrd();
  const namespace = createNamespace(prefix);
  let proxy: ApiProxy | undefined;
  try {
    if (opts.proxy) {
      proxy = await ApiProxy.start();
      proxy.setDown(opts.proxy === 'down');
    }
    const env = { ...opts.operator?.env, ...(proxy ? { KUBECONFIG: proxy.kubeconfig } : {}) };
    const operator = await startOperator({ ...opts.operator, namespace, env });
    const close = async () => {
      const code = await operator.stop();
      await proxy?.close();
      deleteNamespace(namespace);
      return code;
    };
    return { namespace, operator, proxy, close };
  } catch (err) {
    await proxy?.close();
    deleteNamespace(namespace);
    throw err;
  }
}
