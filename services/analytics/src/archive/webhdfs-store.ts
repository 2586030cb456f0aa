import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { posix } from 'node:path';
import type { ArchiveStore } from './store.js';

export interface WebHdfsStoreOptions {
  /** The WebHDFS base, e.g. `http://127.0.0.1:19870/webhdfs/v1` (NameNode HTTP address + `/webhdfs/v1`). */
  url: string;
  /** `user.name` of simple authentication: the HDFS user files are written as. */
  user: string;
  /** Absolute HDFS path of the archive root (the topics dir), e.g. `/topics`. */
  root: string;
  /** Per request (default 30 000 ms). */
  timeoutMs?: number;
}

/** A WebHDFS answer that is not a success, with the NameNode's RemoteException when it sent one. */
export class WebHdfsError extends Error {
  readonly op: string;
  readonly path: string;
  readonly status: number;
  /** The RemoteException's class, e.g. `FileNotFoundException`, `AccessControlException`. */
  readonly exception: string | undefined;

  constructor(what: { op: string; path: string; status: number; exception?: string | undefined }, detail: string) {
    super(`WebHDFS ${what.op} ${what.path} failed (HTTP ${what.status}${what.exception ? `, ${what.exception}` : ''}): ${detail}`);
    this.name = 'WebHdfsError';
    this.op = what.op;
    this.path = what.path;
    this.status = what.status;
    this.exception = what.exception;
  }
}

type Query = Record<string, string>;

/**
 * The archive on HDFS through the WebHDFS REST API (Node's fetch). A file is
 * created under a `_…_tmp` name beside its target (Hadoop readers skip names
 * starting with `_`), in the two steps WebHDFS wants (the NameNode names a
 * DataNode, the data goes there), then renamed over the target with
 * `renameoptions=OVERWRITE`, which is atomic in the NameNode.
 */
export class WebHdfsArchiveStore implements ArchiveStore {
  readonly location: string;
  private readonly base: string;
  private readonly root: string;

  constructor(private readonly opts: WebHdfsStoreOptions) {
    if (!opts.root.startsWith('/')) throw new Error(`WebHDFS root must be an absolute path, got ${JSON.stringify(opts.root)}`);
    this.base = opts.url.replace(/\/+$/, '');
    this.root = posix.normalize(opts.root).replace(/\/+$/, '');
    const u = new URL(this.base);
    this.location = `webhdfs://${u.host}${this.root || '/'}`;
  }

  async put(path: string, content: string): Promise<void> {
    const target = this.abs(path);
    const tmp = posix.join(posix.dirname(target), `_${posix.basename(target)}.${randomBytes(6).toString('hex')}_tmp`);
    const created = await this.json('PUT', tmp, { op: 'CREATE', overwrite: 'true', noredirect: 'true' });
    const location = (created as { Location?: unknown }).Location;
    if (typeof location !== 'string') throw new WebHdfsError({ op: 'CREATE', path: tmp, status: 200 }, 'the NameNode sent no DataNode Location');
    try {
      await this.upload(tmp, location, content);
      // With renameoptions the NameNode replaces the target or throws; it never answers "false".
      await this.json('PUT', tmp, { op: 'RENAME', destination: target, renameoptions: 'OVERWRITE' });
    } catch (err) {
      await this.json('DELETE', tmp, { op: 'DELETE', recursive: 'false' }).catch(() => undefined);
      throw err;
    }
  }

  async list(dir: string): Promise<string[]> {
    const path = this.abs(dir);
    let body: unknown;
    try {
      body = await this.json('GET', path, { op: 'LISTSTATUS' });
    } catch (err) {
      if (err instanceof WebHdfsError && err.status === 404) return [];
      throw err;
    }
    const statuses = (body as { FileStatuses?: { FileStatus?: Array<{ pathSuffix: string }> } }).FileStatuses?.FileStatus ?? [];
    return statuses.map((s) => s.pathSuffix).sort();
  }

  /** OPEN answers with a redirect to a DataNode, which fetch follows. */
  async read(path: string): Promise<Buffer> {
    const abs = this.abs(path);
    const res = await this.send('OPEN', abs, this.url(abs, { op: 'OPEN' }), { method: 'GET' });
    return Buffer.from(await res.arrayBuffer());
  }

  async delete(path: string): Promise<void> {
    await this.json('DELETE', this.abs(path), { op: 'DELETE', recursive: 'false' });
  }

  private abs(path: string): string {
    const full = posix.normalize(posix.join(this.root || '/', path));
    if (full !== this.root && !full.startsWith(`${this.root}/`)) throw new Error(`path ${JSON.stringify(path)} leaves the archive root`);
    return full;
  }

  private url(path: string, query: Query): string {
    // '=' and '+' are legal in a URL path and common here (year=2024, topic+0+…): kept as they are.
    const encoded = path
      .split('/')
      .map((s) => encodeURIComponent(s).replace(/%3D/g, '=').replace(/%2B/g, '+'))
      .join('/');
    const params = new URLSearchParams({ ...query, 'user.name': this.opts.user });
    return `${this.base}${encoded}?${params.toString()}`;
  }

  /** A NameNode call answering JSON (or nothing): the parsed body, {} when empty. */
  private async json(method: string, path: string, query: Query): Promise<unknown> {
    const res = await this.send(query['op']!, path, this.url(path, query), { method });
    const text = await res.text();
    if (!text) return {};
    const body = JSON.parse(text) as unknown;
    if ((body as { boolean?: unknown }).boolean === false && query['op'] !== 'DELETE') {
      throw new WebHdfsError({ op: query['op']!, path, status: res.status }, 'the NameNode answered false');
    }
    return body;
  }

  /**
   * The data step of CREATE, with node:http rather than fetch: the DataNode
   * answers `100 Continue` before its `201 Created` whether or not it was
   * asked to, and fetch (undici) takes an unrequested 1xx for a broken response.
   */
  private async upload(path: string, location: string, content: string): Promise<void> {
    const body = Buffer.from(content, 'utf8');
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = location.startsWith('https:') ? httpsRequest : httpRequest;
      const req = send(location, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', 'content-length': body.length },
        timeout: this.opts.timeoutMs ?? 30_000,
      });
      req.on('response', resolve);
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(new Error(`WebHDFS CREATE ${path}: ${err.message}`, { cause: err })));
      req.end(body);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    throw await errorOf('CREATE', path, new Response(Buffer.concat(chunks), { status }));
  }

  private async send(op: string, path: string, url: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
    } catch (err) {
      throw new Error(`WebHDFS ${op} ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (res.ok) return res;
    throw await errorOf(op, path, res);
  }
}

/** Maps an error answer to a WebHdfsError carrying the RemoteException's class and message. */
async function errorOf(op: string, path: string, res: Response): Promise<WebHdfsError> {
  const text = await res.text().catch(() => '');
  try {
    const remote = (JSON.parse(text) as { RemoteException?: { exception?: string; message?: string } }).RemoteException;
    if (remote) return new WebHdfsError({ op, path, status: res.status, exception: remote.exception }, remote.message ?? '(no message)');
  } catch {
    // Not JSON: a proxy or servlet error page.
  }
  return new WebHdfsError({ op, path, status: res.status }, text.slice(0, 200) || res.statusText);
}
