import { createHash, randomBytes } from 'node:crypto';
import { decode, parseS3Path, Topics, type DocumentPage, type DocumentRaw, type DocumentView, type UploadAccepted } from '@docpipe/contracts';
import { SNIFF_BYTES } from '@docpipe/runtime';
import type { FastifyInstance } from 'fastify';
import { openPgliteRepository, type SqlDocumentRepository } from '@docpipe/runtime';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildIngestApp } from '../src/app.js';
import { displayName, safeObjectName } from '../src/filename.js';
import { startOutboxRelay } from '../src/outbox-relay.js';
import {
  collect,
  createRegistry,
  drainOutbox,
  fileForm,
  listFiles,
  listKeys,
  multipart,
  openAdapters,
  testConfig,
  uniqueCompany,
  type Adapters,
} from './helpers.js';

const MAX = 256 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let repo: SqlDocumentRepository;
let adapters: Adapters;
let app: FastifyInstance;
let uploads = 0;
/** This test's default company: tests share one database and stay apart by company. */
let company: string;

beforeAll(async () => {
  repo = await openPgliteRepository();
});

afterAll(async () => {
  await repo.close();
});

beforeEach(async () => {
  adapters = await openAdapters({ repo });
  await drainOutbox(adapters); // what earlier tests left for the relay
  uploads = 0;
  company = uniqueCompany();
  app = await buildIngestApp({
    repo: adapters.repo,
    store: adapters.store,
    logger: adapters.logger,
    config: testConfig({ MAX_UPLOAD_BYTES: String(MAX), DEFAULT_COMPANY_ID: company }),
    registry: createRegistry('ingest-test'),
    onUploaded: () => uploads++,
  });
});

afterEach(async () => {
  await app.close();
  await adapters.close();
});

async function upload(form: ReturnType<typeof multipart>, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/ingest/upload', payload: form.payload, headers: { ...form.headers, ...headers } });
}

/** Nothing of a failed request remains: no object (nor sidecar, nor temp file), no row, no outbox message. */
async function expectNothingLeft(): Promise<void> {
  expect(await listFiles(adapters.dir)).toEqual([]);
  const page = (await adapters.repo.listDocuments(company, { limit: 100 })) as DocumentPage;
  expect(page.documents).toEqual([]);
  expect(await drainOutbox(adapters)).toBe(0);
  expect(uploads).toBe(0);
}

describe('POST /ingest/upload', () => {
  it('streams the file to the store, records the row and relays documents.raw', async () => {
    const content = 'The quick brown fox jumps over the lazy dog.\n'.repeat(4000); // > SNIFF_BYTES
    expect(content.length).toBeGreaterThan(SNIFF_BYTES);
    const sha256 = createHash('sha256').update(content).digest('hex');

    const res = await upload(fileForm('notes.txt', content, 'application/pdf'), { 'x-company-id': 'acme-eu' });

    expect(res.statusCode).toBe(202);
    const body = res.json<UploadAccepted>();
    expect(body.document_id).toMatch(UUID);
    const key = `acme-eu/${body.document_id}/notes.txt`;
    expect(body).toEqual({ document_id: body.document_id, company_id: 'acme-eu', filename: 'notes.txt', status: 'uploaded', s3_path: `s3://docpipe-test/${key}` });
    expect(uploads).toBe(1);

    // The object: whole, byte for byte, typed from its bytes (not the client's Content-Type).
    expect(await listKeys(adapters)).toEqual([key]);
    const head = await adapters.store.head(key);
    expect(head).toMatchObject({ size: Buffer.byteLength(content), contentType: 'text/plain', metadata: { filename: 'notes.txt' } });
    const hash = createHash('sha256');
    for await (const chunk of await adapters.store.get(key)) hash.update(chunk as Buffer);
    expect(hash.digest('hex')).toBe(sha256);

    // The row.
    const view = await app.inject({ url: `/ingest/status/${body.document_id}`, headers: { 'x-company-id': 'acme-eu' } });
    expect(view.statusCode).toBe(200);
    expect(view.json<DocumentView>()).toMatchObject({ document_id: body.document_id, status: 'uploaded', filename: 'notes.txt', chunks_total: 0, error: null });

    // The outbox → documents.raw, once relayed.
    const relay = startOutboxRelay({ repo: adapters.repo, bus: adapters.bus, logger: adapters.logger, config: testConfig() });
    try {
      const [message] = await collect(adapters.bus, Topics.documentsRaw, 1);
      expect(message!.key).toBe(body.document_id);
      const decoded = decode(Topics.documentsRaw, message!.value);
      expect(decoded.ok).toBe(true);
      const payload = (decoded as { value: DocumentRaw }).value;
      expect(payload).toMatchObject({
        document_id: body.document_id,
        company_id: 'acme-eu',
        s3_path: body.s3_path,
        filename: 'notes.txt',
        content_type: 'text/plain',
        size_bytes: Buffer.byteLength(content),
        sha256,
      });
    } finally {
      await relay.stop();
    }
  });

  it('uses the configured default company when X-Company-ID is absent', async () => {
    const res = await upload(fileForm('a.md', '# Title\n\nbody\n'));
    expect(res.statusCode).toBe(202);
    expect(res.json<UploadAccepted>().company_id).toBe(company);
    const [key] = await listKeys(adapters);
    expect(key!.startsWith(`${company}/`)).toBe(true);
    expect((await adapters.store.head(key!))?.contentType).toBe('text/markdown');
  });

  it('sniffs a PDF from its bytes whatever the client claims', async () => {
    const res = await upload(fileForm('scan.bin', '%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n', 'text/plain'));
    expect(res.statusCode).toBe(202);
    expect((await adapters.store.head((await listKeys(adapters))[0]!))?.contentType).toBe('application/pdf');
  });

  it('413 from Content-Length alone, before the body is read', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/ingest/upload',
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(10 * MAX) },
      payload: 'not read',
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining(String(MAX)) } });
    await expectNothingLeft();
  });

  it('413 while streaming when the file passes the limit (Content-Length within it)', async () => {
    const form = fileForm('big.txt', 'a'.repeat(MAX + 1));
    expect(form.payload.length).toBeLessThan(MAX + 64 * 1024); // the header check lets it through
    const res = await upload(form);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    await expectNothingLeft();
  });

  it('accepts a file of exactly the limit', async () => {
    const res = await upload(fileForm('exact.txt', 'b'.repeat(MAX)));
    expect(res.statusCode).toBe(202);
    expect((await adapters.store.head((await listKeys(adapters))[0]!))?.size).toBe(MAX);
  });

  it('415 for bytes of no supported type, naming what is supported', async () => {
    const bytes = randomBytes(100_000);
    bytes[3] = 0; // binary for certain
    const res = await upload(fileForm('photo.pdf', bytes, 'application/pdf'));
    expect(res.statusCode).toBe(415);
    const { error } = res.json();
    expect(error.code).toBe('unsupported_media_type');
    expect(error.message).toContain('application/pdf');
    expect(error.message).toContain('text/markdown');
    await expectNothingLeft();
  });

  it('400 for a malformed company id, leaving nothing behind', async () => {
    for (const company of ['.hidden', 'a/b', 'x'.repeat(65), 'ü', '']) {
      const res = await upload(fileForm('a.txt', 'hello'), { 'x-company-id': company });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('invalid_company_id');
    }
    await expectNothingLeft();
  });

  it('400 without a file field, with a file in another field, or when not multipart', async () => {
    const onlyText = await upload(multipart([{ name: 'note', content: 'hello' }]));
    expect(onlyText.statusCode).toBe(400);
    expect(onlyText.json().error.code).toBe('missing_file');

    const wrongField = await upload(multipart([{ name: 'document', filename: 'a.txt', content: 'hello' }]));
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().error.code).toBe('missing_file');

    const json = await app.inject({ method: 'POST', url: '/ingest/upload', payload: { file: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.code).toBe('not_multipart');

    const noBody = await app.inject({ method: 'POST', url: '/ingest/upload' });
    expect(noBody.statusCode).toBe(400);
    await expectNothingLeft();
  });

  it('400 for a second file, and the first one is removed again', async () => {
    const res = await upload(
      multipart([
        { name: 'file', filename: 'one.txt', content: 'first' },
        { name: 'file', filename: 'two.txt', content: 'second' },
      ]),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('multiple_files');
    await expectNothingLeft();
  });

  it('accepts an empty file: docproc, not the upload, fails it for having no text', async () => {
    const res = await upload(fileForm('empty.txt', ''));
    expect(res.statusCode).toBe(202);
    const accepted = res.json<UploadAccepted>();
    expect(await repo.getDocument(accepted.company_id, accepted.document_id)).toMatchObject({ status: 'uploaded' });
    expect(await adapters.store.head(parseS3Path(accepted.s3_path).key)).toMatchObject({ size: 0 });
  });

  it('400 for a truncated multipart body', async () => {
    const whole = fileForm('cut.txt', 'x'.repeat(100_000));
    const cut = await upload({ payload: whole.payload.subarray(0, 50_000), headers: whole.headers });
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error.code).toBe('malformed_multipart');
    await expectNothingLeft();
  });

  it('keeps hostile file names out of object keys', async () => {
    const hostile = ['../../etc/passwd', 'a/b.pdf', '..\\x.pdf', 'evil\u0000.pdf', 'tab\t.txt', '\u001b[31m.txt', '/abs/olute.txt', '....//....//x', 'ok name ü.txt'];
    const ids = new Map<string, string>();
    for (const name of hostile) {
      const res = await upload(fileForm(name, 'plain text'));
      expect(res.statusCode, name).toBe(202);
      ids.set(res.json<UploadAccepted>().document_id, name);
    }
    // busboy turns a part whose decoded name holds CR/LF into a plain field: refused, nothing stored.
    const crlf = await upload(fileForm('\r\n.txt', 'plain text'));
    expect(crlf.statusCode).toBe(400);
    const keys = await listKeys(adapters);
    expect(keys).toHaveLength(hostile.length);
    for (const key of keys) {
      const [owner, id, file, ...rest] = key.split('/');
      expect(rest).toEqual([]);
      expect(owner).toBe(company);
      expect(file).toBe(safeObjectName(ids.get(id!)!));
      expect(file).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/);
      expect(file).not.toContain('..');
    }
    // Nothing was written outside the bucket's own trees.
    for (const path of await listFiles(adapters.dir)) expect(path).toMatch(/^(docpipe-test|\.meta[/\\]docpipe-test)[/\\]co-/);
    // The original name is kept as metadata (minus control characters: see displayName's tests).
    const page = (await adapters.repo.listDocuments(company, { limit: 100 })) as DocumentPage;
    expect(page.documents.map((d) => d.filename).sort()).toEqual(hostile.map((n) => displayName(n)).sort());
    for (const doc of page.documents) expect(doc.filename).not.toMatch(/\p{Cc}/u);
  });
});

describe('errors', () => {
  it('answers unknown routes with the JSON error shape', async () => {
    const res = await app.inject({ url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('counts uploads by outcome in /metrics', async () => {
    await upload(fileForm('a.txt', 'hello'));
    await upload(fileForm('a.txt', 'hello'), { 'x-company-id': '.bad' });
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/docpipe_ingest_uploads_total\{outcome="accepted"[^}]*\} 1/);
    expect(metrics.body).toMatch(/docpipe_ingest_uploads_total\{outcome="invalid_company_id"[^}]*\} 1/);
    expect(metrics.body).toMatch(/docpipe_documents\{status="uploaded"[^}]*\} [1-9]/);
  });

  it('reports readiness of the database and the object store', async () => {
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ checks: { database: true, objectStore: true } });
  });
});
