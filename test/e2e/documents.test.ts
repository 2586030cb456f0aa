import { Topics, type ChunkProcessed, type DocumentView } from '@docpipe/contracts';
import type { Subscription } from '@docpipe/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLongPdf } from '../../services/docproc/test/fixtures/generate.js';
import { collectTopic, getStatus, startHarness, until, upload, waitFinal, type Harness } from './helpers.js';
import { fixture } from './hostile-files.js';

const COMPANY = 'acme-eu';
const LONG_PDF_PAGES = 8;

interface Case {
  name: string;
  filename: string;
  body: () => Buffer;
}

const CASES: Case[] = [
  { name: 'PDF', filename: 'sample.pdf', body: () => fixture('sample.pdf') },
  { name: 'long PDF', filename: 'long report.pdf', body: () => buildLongPdf(LONG_PDF_PAGES) },
  { name: 'DOCX', filename: 'sample.docx', body: () => fixture('sample.docx') },
  { name: 'HTML', filename: 'sample.html', body: () => fixture('sample.html') },
  { name: 'Markdown', filename: 'sample.md', body: () => fixture('sample.md') },
  { name: 'text', filename: 'sample.txt', body: () => fixture('sample.txt') },
];

describe('local mode: real documents end to end', () => {
  let h: Harness;
  let sub: Subscription;
  const chunks: ChunkProcessed[] = [];
  const ids = new Map<string, string>();
  const finals = new Map<string, Promise<DocumentView>>();

  beforeAll(async () => {
    h = await startHarness();
    sub = await collectTopic(h.local, Topics.chunksProcessed, chunks);
    // All uploads go in together, as a user's would; each test then awaits its own.
    await Promise.all(
      CASES.map(async (c) => {
        const res = await upload(h.local.url, { filename: c.filename, body: c.body(), company: COMPANY });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        expect(res.body).toMatchObject({ company_id: COMPANY, filename: c.filename });
        ids.set(c.name, res.body.document_id);
        const final = waitFinal(h.local.url, res.body.document_id, COMPANY);
        final.catch(() => undefined); // awaited by its test
        finals.set(c.name, final);
      }),
    );
  });

  afterAll(async () => {
    await sub?.stop();
    await h?.dispose();
  });

  const chunksOf = (id: string): ChunkProcessed[] => chunks.filter((c) => c.document_id === id);

  it.each(CASES.map((c) => c.name))('%s reaches embedded with every chunk embedded', async (name) => {
    const final = await finals.get(name)!;
    expect(final).toMatchObject({ status: 'embedded', error: null, company_id: COMPANY });
    expect(final.chunks_total).toBeGreaterThan(0);
    expect(final.chunks_embedded).toBe(final.chunks_total);
    const id = ids.get(name)!;
    await until(() => new Set(chunksOf(id).map((c) => c.chunk_id)).size >= final.chunks_total, `chunks of ${name} on the bus`);
    expect(new Set(chunksOf(id).map((c) => c.chunk_index)).size).toBe(final.chunks_total);
  });

  it('carries page numbers on the chunks of a PDF, in page order', async () => {
    for (const name of ['PDF', 'long PDF']) {
      const final = await finals.get(name)!;
      const id = ids.get(name)!;
      await until(() => new Set(chunksOf(id).map((c) => c.chunk_id)).size >= final.chunks_total, `chunks of ${name}`);
      const byIndex = [...new Map(chunksOf(id).map((c) => [c.chunk_index, c])).values()].sort((a, b) => a.chunk_index - b.chunk_index);
      const pages = byIndex.map((c) => c.page);
      expect(pages.every((p) => p !== null && p >= 1), `${name}: ${JSON.stringify(pages)}`).toBe(true);
      expect([...pages].sort((a, b) => a! - b!)).toEqual(pages);
    }
    const long = chunksOf(ids.get('long PDF')!);
    expect(Math.max(...long.map((c) => c.page!))).toBeGreaterThan(LONG_PDF_PAGES / 2);
    expect(chunksOf(ids.get('PDF')!)[0]?.text).toMatch(/northern harbour/);
  });

  it('leaves pages null for formats without pages', async () => {
    for (const name of ['DOCX', 'HTML', 'Markdown', 'text']) {
      await finals.get(name)!;
      const id = ids.get(name)!;
      await until(() => chunksOf(id).length > 0, `chunks of ${name}`);
      expect(chunksOf(id).every((c) => c.page === null), name).toBe(true);
    }
  });

  it('answers 404 to another company, and to the default company, for the same document', async () => {
    const id = ids.get('text')!;
    expect((await getStatus(h.local.url, id, COMPANY)).status).toBe(200);
    const other = await getStatus(h.local.url, id, 'other-company');
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain(id);
    expect((await getStatus(h.local.url, id)).status).toBe(404);
  });

  it('lists the company\'s documents, newest first, and nobody else\'s', async () => {
    await Promise.all(finals.values());
    const mine = (await (await fetch(`${h.local.url}/ingest/status?limit=100`, { headers: { 'x-company-id': COMPANY } })).json()) as { documents: DocumentView[] };
    expect(new Set(mine.documents.map((d) => d.document_id))).toEqual(new Set(ids.values()));
    const times = mine.documents.map((d) => Date.parse(d.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const theirs = (await (await fetch(`${h.local.url}/ingest/status`, { headers: { 'x-company-id': 'other-company' } })).json()) as { documents: DocumentView[] };
    expect(theirs.documents).toEqual([]);
  });

  it('serves the upload page, health, readiness and the one shared metrics registry on the gateway', async () => {
    await Promise.all(finals.values());
    const page = await fetch(`${h.local.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${h.local.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.local.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${h.local.url}/metrics`)).text();
    const embedded = /^docpipe_embedding_chunks_embedded_total\{[^}]*\} (\d+)$/m.exec(metrics);
    const total = (await Promise.all(finals.values())).reduce((s, d) => s + d.chunks_total, 0);
    expect(Number(embedded?.[1])).toBeGreaterThanOrEqual(total);
  });
});
