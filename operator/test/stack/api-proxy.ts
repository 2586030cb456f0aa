import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { stackEnv } from './helpers.js';

/**
 * A TLS proxy between ONE operator process and the shared kube-apiserver,
 * so a test can break that operator's connection without touching the
 * server other suites use: cut its watches, refuse its requests for a
 * while, answer its stale watches with 410 Expired (as the watch cache
 * does for a compacted resourceVersion), and count what it wrote.
 */

/** One request the operator sent through the proxy. */
export interface ProxiedRequest {
  method: string;
  path: string;
  watch: boolean;
  resourceVersion?: string;
  at: number;
  /** The answer's status code (set when the upstream answered; 410 when the proxy expired a watch). */
  status?: number;
}

interface Upstream {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

interface KubeconfigFile {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

export class ApiProxy {
  readonly requests: ProxiedRequest[] = [];
  /** Path of a kubeconfig pointing at the proxy (same client certificate, the proxy's CA). */
  readonly kubeconfig: string;
  private readonly dir: string;
  private readonly watches = new Set<ServerResponse>();
  private down = false;
  private expireBelow: bigint | undefined;

  private constructor(
    private readonly server: Server,
    private readonly upstream: Upstream,
    dir: string,
    kubeconfig: string,
  ) {
    this.dir = dir;
    this.kubeconfig = kubeconfig;
  }

  /** Starts the proxy on a free loopback port with a throwaway certificate for 127.0.0.1. */
  static async start(): Promise<ApiProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'docpipe-api-proxy-'));
    const original = parse(readFileSync(stackEnv().kubeconfig, 'utf8')) as KubeconfigFile;
    const upstream = upstreamOf(original);
    const tls = selfSignedCertificate(dir);
    const server = createServer(tls);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const kubeconfig = join(dir, 'kubeconfig');
    const cluster = original.clusters[0]!.cluster;
    cluster.server = `https://127.0.0.1:${port}`;
    cluster['certificate-authority-data'] = tls.cert.toString('base64');
    writeFileSync(kubeconfig, stringify(original));
    const proxy = new ApiProxy(server, upstream, dir, kubeconfig);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.handle(req, res));
    return proxy;
  }

  /** Ends every watch in flight, as a dropped connection would (the client sees its stream end abruptly). */
  /** Watches open through the proxy right now. */
  get openWatches(): number {
    return this.watches.size;
  }

  cutWatches(): number {
    const n = this.watches.size;
    for (const res of this.watches) res.socket?.destroy();
    this.watches.clear();
    return n;
  }

  /** While down, every request is refused with 503 and the watches in flight are cut. */
  setDown(down: boolean): void {
    this.down = down;
    if (down) this.cutWatches();
  }

  /**
   * From now on, a watch from a resourceVersion below `rv` is answered with
   * a 410 Expired event (what kube-apiserver sends for a too-old version):
   * only a client that relists gets a newer one and watches again.
   */
  expireWatchesBelow(rv: string): void {
    if (!/^\d+$/.test(rv)) throw new Error(`not a resourceVersion: "${rv}"`);
    this.expireBelow = BigInt(rv);
  }

  /** Requests that change something (POST, PUT, PATCH, DELETE), optionally only those whose path matches. */
  writes(pathPattern?: RegExp): ProxiedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && (pathPattern === undefined || pathPattern.test(r.path)));
  }

  async close(): Promise<void> {
    this.cutWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const resourceVersion = url.searchParams.get('resourceVersion') ?? undefined;
    const record: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, watch, resourceVersion, at: Date.now() };
    this.requests.push(record);
    if (this.down) {
      record.status = 503;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(status(503, 'ServiceUnavailable', 'proxy is down')));
      return;
    }
    if (watch && this.isExpired(resourceVersion)) {
      record.status = 410;
      // The watch cache's answer: 200, one ERROR event with a 410 Status, end of stream.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${resourceVersion}`) })}\n`);
      return;
    }
    this.forward(req, res, record);
  }

  private isExpired(rv: string | undefined): boolean {
    return this.expireBelow !== undefined && rv !== undefined && /^\d+$/.test(rv) && BigInt(rv) < this.expireBelow;
  }

  private forward(req: IncomingMessage, res: ServerResponse, record: ProxiedRequest): void {
    const { host, port, ca, cert, key } = this.upstream;
    const headers = { ...req.headers, host: `${host}:${port}` };
    const upstream = httpsRequest({ host, port, method: req.method, path: req.url, headers, ca, cert, key }, (answer) => {
      record.status = answer.statusCode;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (record.watch) {
        this.watches.add(res);
        res.once('close', () => this.watches.delete(res));
      }
      answer.pipe(res);
      res.once('close', () => answer.destroy());
    });
    upstream.once('error', () => res.socket?.destroy());
    req.pipe(upstream);
  }
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function upstreamOf(config: KubeconfigFile): Upstream {
  const server = new URL(config.clusters[0]!.cluster.server);
  const user = config.users[0]!.user;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    host: server.hostname,
    port: Number(server.port || 443),
    ca: b64(config.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  };
}

/** A one-day self-signed certificate for 127.0.0.1 (openssl), also the CA the proxied kubeconfig trusts. */
function selfSignedCertificate(dir: string): { cert: Buffer; key: Buffer } {
  const cert = join(dir, 'proxy.crt');
  const key = join(dir, 'proxy.key');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(cert), key: readFileSync(key) };
}
