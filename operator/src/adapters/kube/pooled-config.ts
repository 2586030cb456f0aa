import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose requests share one connection pool. client-node 2.0.1
 * builds a new undici Agent for every request and every watch
 * (applySecurityAuthentication → createDispatcher, uncached), so each one
 * opened its own TLS connection (HTTP/2 with kube-apiserver) that nobody
 * closed: with 100 pipelines the operator held hundreds of sessions and
 * most of its RSS. The first Agent is kept and every request uses it; the
 * headers (tokens that refresh) are still applied per request.
 */
export class PooledKubeConfig extends KubeConfig {
  private shared: Dispatcher | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    if (this.shared === undefined) {
      this.shared = fresh;
      return;
    }
    // Never connected: closing it releases nothing but says it is not used.
    if (fresh !== this.shared) void fresh.close().catch(() => undefined);
    context.setDispatcher(this.shared);
  }

  /**
   * Closes the shared connections at shutdown, when the controller and the
   * Lease are done with them. By force: a graceful close() waits for every
   * request in flight, and a watch stuck on a connection whose peer vanished
   * (a proxy restarted mid-watch) held the shutdown until its deadline; and
   * once close() has begun, undici's destroy() no longer ends such a request.
   */
  async closeConnections(): Promise<void> {
    const shared = this.shared;
    this.shared = undefined;
    await shared?.destroy();
  }
}
