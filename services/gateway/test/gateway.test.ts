import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocumentPage, DocumentView, UploadAccepted } from '@docpipe/contracts';
import { loadIngestConfig, startIngest } from '@docpipe/ingest';
import {
  createLogger,
  createRegistry,
  openEmbeddedEventBus,
  openLocalObjectStore,
  openPgliteRepository,
  type EventBus,
  type HttpService,
  type ObjectStore,
  type SqlDocumentRepository,
} from '@docpipe/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../src/config.js';
import { startGateway } from '../src/service.js';

const MAX = 200_000;
const logger = createLogger({ name: 'gateway-test', level: 'silent' });

interface Stack {
  dir: string;
  repo: SqlDocumentRepository;
  store: ObjectStore;
  bus: EventBus;
  ingest: HttpService;
  gateway: HttpService;
  stop(): Promise<void>;
}

/** A real ingest (embedded adapters) on port 0, and a real gateway in front of it. */
async function startStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'docpipe-gateway-'));
  const repo = await openPgliteRepository();
  const store = await openLocalObjectStore({ dir, bucket: 'docpipe-test' });
  const bus = await openEmbeddedEventBus({ logger });
  const ingestConfig = loadIngestConfig({ HOST: '127.0.0.1', PORT: '0', MAX_UPLOAD_BYTES: String(MAX), DEFAULT_COMPANY_ID: 'ingest-default' });
  const ingest = await startIngest({ repo, store, bus, logger, config: ingestConfig, registry: createRegistry('ingest') });
  const gatewayConfig = loadGatewayConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    INGEST_URL: ingest.url,
    MAX_UPLOAD_BYTES: String(MAX),
    DEFAULT_COMPANY_ID: 'gateway-default',
  });
  const gateway = await startGateway({ config: gatewayConfig, logger, registry: createRegistry('gateway') });
  let stopped = false;
  return {
    dir,
    repo,
    store,
    bus,
    ingest,
    gateway,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await gateway.stop();
      await ingest.stop();
      await bus.close();
      await repo.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function form(name: string, content: string | Buffer): FormData {
  const body = new FormData();
  body.append('file', new Blob([content]), name);
  return body;
}

/** Sends headers claiming `contentLength` bytes but only a few of them, and returns the answer. */
function sendOversized(url: string, contentLength: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/ingest/upload`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(contentLength) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.write('--x\r\n');
  });
}

/** Posts `body` as curl does with a large file: `Expect: 100-continue`, the body only after the 100. */
async function postExpectingContinue(url: string, body: FormData): Promise<{ continued: boolean; status: number; body: string }> {
  const encoded = new Response(body);
  const bytes = Buffer.from(await encoded.arrayBuffer());
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest(`${url}/ingest/upload`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type')!, 'content-length': String(bytes.length), expect: '100-continue' },
    });
    req.on('continue', () => {
      continued = true;
      req.end(bytes);
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ continued, status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
}

describe('gateway in front of ingest', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('proxies an upload, streaming it intact, under the gateway default company', async () => {
    const content = 'lorem ipsum dolor sit amet\n'.repeat(6000); // ~160 KB, several chunks
    const res = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('lorem.txt', content) });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as UploadAccepted;
    expect(accepted).toMatchObject({ company_id: 'gateway-default', filename: 'lorem.txt', status: 'uploaded' });

    const key = `gateway-default/${accepted.document_id}/lorem.txt`;
    const hash = createHash('sha256');
    for await (const chunk of await stack.store.get(key)) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));

    const view = await fetch(`${stack.gateway.url}/ingest/status/${accepted.document_id}`);
    expect(view.status).toBe(200);
    expect((await view.json()) as DocumentView).toMatchObject({ document_id: accepted.document_id, company_id: 'gateway-default' });
  });

  it('takes an upload sent with Expect: 100-continue (curl does for large files)', async () => {
    const content = 'continue\n'.repeat(2000);
    const res = await postExpectingContinue(stack.gateway.url, form('big.txt', content));
    expect(res).toMatchObject({ continued: true, status: 202 });
    const accepted = JSON.parse(res.body) as UploadAccepted;
    const stored = await stack.store.head(`gateway-default/${accepted.document_id}/big.txt`);
    expect(stored?.size).toBe(content.length);
  });

  it('forwards X-Company-ID and the query string, and answers with the request id', async () => {
    const upload = await fetch(`${stack.gateway.url}/ingest/upload`, {
      method: 'POST',
      body: form('a.md', '# A\n'),
      headers: { 'x-company-id': 'acme-eu', 'x-request-id': 'trace-123' },
    });
    expect(upload.status).toBe(202);
    expect(upload.headers.get('x-request-id')).toBe('trace-123');
    await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('b.md', '# B\n'), headers: { 'x-company-id': 'acme-eu' } });

    const res = await fetch(`${stack.gateway.url}/ingest/status?limit=1`, { headers: { 'x-company-id': 'acme-eu' } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as DocumentPage;
    expect(page.documents.map((d) => d.filename)).toEqual(['b.md']);
    expect(page.next_cursor).not.toBeNull();
  });

  it('passes ingest 404s through, and another company never sees the document', async () => {
    const upload = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('s.txt', 'secret'), headers: { 'x-company-id': 'owner' } });
    const { document_id } = (await upload.json()) as UploadAccepted;
    const res = await fetch(`${stack.gateway.url}/ingest/status/${document_id}`, { headers: { 'x-company-id': 'intruder' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'no such document' } });
  });

  it('400 at the edge for a malformed company id', async () => {
    const res = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('a.txt', 'x'), headers: { 'x-company-id': '../etc' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_company_id');
    const list = await fetch(`${stack.gateway.url}/ingest/status`, { headers: { 'x-company-id': '.dot' } });
    expect(list.status).toBe(400);
  });

  it('413 at the edge from Content-Length, without waiting for the body', async () => {
    const res = await sendOversized(stack.gateway.url, 10 * MAX);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining(String(MAX)) } });
  });

  it('passes through 413 and 415 decided by ingest while streaming', async () => {
    const big = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('big.txt', 'z'.repeat(MAX + 1)) });
    expect(big.status).toBe(413);
    const binary = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('x.pdf', Buffer.alloc(1000, 0)) });
    expect(binary.status).toBe(415);
    expect(((await binary.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });

  it('serves the upload page: a company field, a file input, live status, nothing external', async () => {
    const res = await fetch(`${stack.gateway.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<form id="upload-form"/);
    expect(html).toMatch(/<input id="company"[^>]*value="gateway-default"/);
    expect(html).toMatch(/<input id="file"[^>]*type="file"/);
    expect(html).toContain("fetch('/ingest/upload'");
    expect(html).toContain("'/ingest/status?limit=50'");
    expect(html).toContain('localStorage');
    expect(html).toContain('textContent');
    expect(html).not.toContain('innerHTML');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);

    // Only the page's own inline script may run: its hash is in the CSP.
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
    const hash = createHash('sha256').update(script).digest('base64');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
  });

  it('answers unknown routes with JSON, and serves the ops routes', async () => {
    const res = await fetch(`${stack.gateway.url}/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect((await fetch(`${stack.gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { ingest: true } });
    expect(await (await fetch(`${stack.gateway.url}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
  });
});

describe('gateway with ingest down', () => {
  it('502 upstream_unavailable, and not ready', async () => {
    const stack = await startStack();
    try {
      await stack.ingest.stop();
      const res = await fetch(`${stack.gateway.url}/ingest/status`);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: { code: 'upstream_unavailable', message: expect.any(String) } });
      const upload = await fetch(`${stack.gateway.url}/ingest/upload`, { method: 'POST', body: form('a.txt', 'hello') });
      expect(upload.status).toBe(502);
      expect((await fetch(`${stack.gateway.url}/readyz`)).status).toBe(503);
    } finally {
      await stack.stop();
    }
  });
});
