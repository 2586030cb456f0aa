import { join } from 'node:path';
import { Topics, type DocumentDlq, type DocumentRaw, type DocumentView } from '@docpipe/contracts';
import { LOCAL_BUCKET } from '@docpipe/local';
import type { Subscription } from '@docpipe/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTopic, getStatus, listFiles, startHarness, until, upload, waitFinal, type Harness, type UploadResponse } from './helpers.js';
import { docxZipBomb, fixture, randomBinary } from './hostile-files.js';

const MAX_UPLOAD_BYTES = 1024 * 1024;

/** Names a hostile client might send; each must stay out of the object key and survive in the status. */
const HOSTILE_NAMES = [
  '../../../../etc/passwd.txt',
  '..\\..\\windows\\win.ini.txt',
  '/absolute/path/report.txt',
  '.env.txt',
  'ünïcödé 東京 report.txt',
  'rtl-\u202Etxt.exe.md',
  '<img src=x onerror=alert(1)>.txt',
  'con:aux|nul?*.txt',
  '%2e%2e%2fencoded.txt',
  `${'long-'.repeat(48)}.txt`,
];

/** Uploads that are accepted (they look like documents) but cannot be extracted. */
const FAILING: { name: string; filename: string; body: () => Promise<Buffer> | Buffer; reason: RegExp }[] = [
  { name: 'truncated PDF', filename: 'truncated.pdf', body: () => fixture('truncated.pdf'), reason: /PDF/ },
  { name: '%PDF- and random bytes', filename: 'garbage.pdf', body: () => fixture('garbage.pdf'), reason: /PDF/ },
  { name: 'empty file', filename: 'empty.txt', body: () => fixture('empty.txt'), reason: /text|empty/i },
  { name: 'DOCX zip bomb', filename: 'bomb.docx', body: () => docxZipBomb(), reason: /DOCX|ZIP|inflat|ratio/i },
];

const BAD_COMPANY_IDS = ['.hidden', 'a'.repeat(65), 'acme/../other', 'acme eu', 'ácme', 'acme;drop'];

describe('local mode: hostile input, while a good document completes', () => {
  let h: Harness;
  const subs: Subscription[] = [];
  const dlq: DocumentDlq[] = [];
  const raw: DocumentRaw[] = [];
  let good: Promise<DocumentView>;
  let goodId: string;
  const results = new Map<string, UploadResponse>();
  const failing = new Map<string, Promise<DocumentView>>();
  const named = new Map<string, { id: string; final: Promise<DocumentView> }>();

  const record = async (key: string, res: Promise<UploadResponse>): Promise<UploadResponse> => {
    const r = await res;
    results.set(key, r);
    return r;
  };

  beforeAll(async () => {
    h = await startHarness({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    subs.push(await collectTopic(h.local, Topics.documentsDlq, dlq), await collectTopic(h.local, Topics.documentsRaw, raw));
    const url = h.local.url;
    const accepted = await upload(url, { filename: 'sample.md', body: fixture('sample.md'), company: 'good-co' });
    expect(accepted.status).toBe(202);
    goodId = accepted.body.document_id;
    good = waitFinal(url, goodId, 'good-co');
    good.catch(() => undefined);
    // Everything hostile goes in while the good document is on its way.
    await Promise.all([
      record('just over the limit', upload(url, { filename: 'big.txt', body: Buffer.alloc(MAX_UPLOAD_BYTES + 1, 'a'), company: 'oversize-co' })),
      record('far over the limit', upload(url, { filename: 'huge.txt', body: Buffer.alloc(MAX_UPLOAD_BYTES * 3, 'a'), company: 'oversize-co' })),
      record('random bytes', upload(url, { filename: 'notes.txt', body: randomBinary(), company: 'random-co' })),
      ...BAD_COMPANY_IDS.map((company) => record(`company ${company}`, upload(url, { filename: 'sample.txt', body: fixture('sample.txt'), company }))),
      ...FAILING.map(async (f) => {
        const r = await record(f.name, upload(url, { filename: f.filename, body: await f.body(), company: 'failing-co' }));
        if (r.status === 202) failing.set(f.name, waitFinal(url, r.body.document_id, 'failing-co'));
      }),
      ...HOSTILE_NAMES.map(async (filename, i) => {
        const r = await record(filename, upload(url, { filename, body: Buffer.from(`Document ${i} about harbour logistics.\n`), company: 'names-co' }));
        if (r.status === 202) named.set(filename, { id: r.body.document_id, final: waitFinal(url, r.body.document_id, 'names-co') });
      }),
    ]);
    for (const p of [...failing.values(), ...[...named.values()].map((n) => n.final)]) p.catch(() => undefined);
  });

  afterAll(async () => {
    for (const s of subs) await s.stop();
    await h?.dispose();
  });

  const objectFiles = async (): Promise<string[]> => listFiles(join(h.dataDir, 'objects', LOCAL_BUCKET));

  it('refuses uploads over MAX_UPLOAD_BYTES with 413, streamed or declared', () => {
    for (const key of ['just over the limit', 'far over the limit']) {
      const r = results.get(key)!;
      expect(r.status, key).toBe(413);
      expect(r.body.error?.code, key).toEqual(expect.any(String));
      expect(r.body.error?.message, key).toMatch(/\d/);
    }
  });

  it('refuses bytes of no supported type with 415', () => {
    const r = results.get('random bytes')!;
    expect(r.status).toBe(415);
    expect(r.body.error?.message).toEqual(expect.any(String));
  });

  it('refuses a malformed X-Company-ID with 400', () => {
    for (const company of BAD_COMPANY_IDS) {
      const r = results.get(`company ${company}`)!;
      expect(r.status, company).toBe(400);
      expect(r.body.error?.message, company).toMatch(/compan/i);
    }
  });

  it('completes the good document uploaded together with the hostile ones', async () => {
    const final = await good;
    expect(final).toMatchObject({ status: 'embedded', error: null });
    expect(final.chunks_total).toBeGreaterThan(0);
    expect(final.chunks_embedded).toBe(final.chunks_total);
  });

  it.each(FAILING.map((f) => f.name))('accepts, then fails, a %s with a readable error and a documents.dlq message', async (name) => {
    const r = results.get(name)!;
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const final = await failing.get(name)!;
    expect(final.status).toBe('failed');
    expect(final.error).toMatch(FAILING.find((f) => f.name === name)!.reason);
    expect(final.error).not.toMatch(/\n\s+at /); // a reason, not a stack trace
    await until(() => dlq.some((d) => d.document_id === r.body.document_id), `a documents.dlq message for the ${name}`);
    const letter = dlq.find((d) => d.document_id === r.body.document_id)!;
    expect(letter).toMatchObject({ company_id: 'failing-co', stage: 'docproc', source_topic: Topics.documentsRaw });
    expect(letter.error.length).toBeGreaterThan(0);
    expect((await good).status).toBe('embedded');
  });

  it('keeps hostile file names out of object keys but in the status', async () => {
    await Promise.all([...named.values()].map((n) => n.final));
    const files = await objectFiles();
    for (const filename of HOSTILE_NAMES) {
      const entry = named.get(filename);
      expect(results.get(filename)?.status, filename).toBe(202);
      const final = await entry!.final;
      expect(final.filename).toBe(filename);
      expect(final.status, filename).toBe('embedded');
      const keys = files.filter((f) => f.startsWith(`names-co/${entry!.id}/`));
      expect(keys, filename).toHaveLength(1);
      const [, , name, ...rest] = keys[0]!.split('/');
      expect(rest, filename).toEqual([]);
      expect(name, filename).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/);
      expect(name, filename).not.toContain('..');
    }
  });

  it('leaves nothing behind for a refused upload: no object, no row, no message', async () => {
    await good;
    await Promise.all([...failing.values(), ...[...named.values()].map((n) => n.final)]);
    const companies = new Set((await objectFiles()).map((f) => f.split('/')[0]));
    expect(companies).toEqual(new Set(['good-co', 'failing-co', 'names-co']));
    expect(await listFiles(join(h.dataDir, 'objects', '.tmp'))).toEqual([]);
    for (const company of ['oversize-co', 'random-co']) {
      const list = await fetch(`${h.local.url}/ingest/status`, { headers: { 'x-company-id': company } });
      expect(((await list.json()) as { documents: unknown[] }).documents, company).toEqual([]);
    }
    const accepted = [...results.values()].filter((r) => r.status === 202).length;
    const counts = await h.local.repo.countByStatus();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(accepted + 1);
    await until(() => raw.length >= accepted + 1, 'documents.raw of every accepted upload');
    expect(new Set(raw.map((m) => m.company_id))).toEqual(new Set(['good-co', 'failing-co', 'names-co']));
  });

  it('answers 404 for a document of another company', async () => {
    expect((await getStatus(h.local.url, goodId, 'good-co')).status).toBe(200);
    expect((await getStatus(h.local.url, goodId, 'failing-co')).status).toBe(404);
  });
});
