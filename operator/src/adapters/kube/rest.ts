import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig } from '@kubernetes/client-node';

/** An error answer of the API server; `status` is the HTTP status, `reason` the Status reason. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/**
 * Plain JSON requests to the API server with the kubeconfig's credentials
 * and CA (client-node's transport; its typed models are skipped so objects
 * stay exactly as built and as served).
 */
export class KubeRest {
  private readonly http = new IsomorphicFetchHttpLibrary();

  constructor(private readonly kc: KubeConfig) {}

  /** The response body parsed as JSON; throws KubeApiError for a non-2xx answer. */
  async request<T = unknown>(req: RestRequest): Promise<T> {
    const ctx = new RequestContext(this.url(req), HttpMethod[req.method]);
    ctx.setHeaderParam('Accept', 'application/json');
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    if (req.signal !== undefined) ctx.setSignal(req.signal);
    await this.kc.applySecurityAuthentication(ctx);
    const response = await this.http.send(ctx).toPromise();
    const text = await response.body.text();
    const parsed: unknown = text.length > 0 ? JSON.parse(text) : undefined;
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return parsed as T;
    throw apiError(req, response.httpStatusCode, parsed, text);
  }

  private url(req: RestRequest): string {
    const cluster = this.kc.getCurrentCluster();
    if (cluster === null) throw new Error('kubeconfig: no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }
}

function apiError(req: RestRequest, code: number, parsed: unknown, text: string): KubeApiError {
  const status = (parsed ?? {}) as { reason?: string; message?: string };
  return new KubeApiError(code, status.reason ?? 'Unknown', `${req.method} ${req.path}: ${code} ${status.message ?? text.slice(0, 200)}`);
}

/** True for an API error with this HTTP status. */
export function isStatus(err: unknown, status: number): boolean {
  return err instanceof KubeApiError && err.status === status;
}
