import type { DocumentPage, UploadAccepted } from '@docpipe/contracts';
import { openPgliteRepository, type SqlDocumentRepository } from '@docpipe/runtime';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIngestApp } from '../src/app.js';
import { createRegistry, fileForm, openAdapters, testConfig, uniqueCompany, type Adapters } from './helpers.js';

let repo: SqlDocumentRepository;
let adapters: Adapters;
let app: FastifyInstance;

beforeAll(async () => {
  repo = await openPgliteRepository();
  adapters = await openAdapters({ repo });
  app = await buildIngestApp({ repo, store: adapters.store, logger: adapters.logger, config: testConfig(), registry: createRegistry('t') });
});

afterAll(async () => {
  await app.close();
  await adapters.close();
  await repo.close();
});

async function uploadAs(company: string, name: string): Promise<UploadAccepted> {
  const form = fileForm(name, `contents of ${name}`);
  const res = await app.inject({ method: 'POST', url: '/ingest/upload', payload: form.payload, headers: { ...form.headers, 'x-company-id': company } });
  expect(res.statusCode).toBe(202);
  return res.json<UploadAccepted>();
}

async function status(company: string, query: string) {
  return app.inject({ url: `/ingest/status${query}`, headers: { 'x-company-id': company } });
}

describe('GET /ingest/status', () => {
  it('pages through the company documents newest first, following next_cursor', async () => {
    const company = uniqueCompany();
    const uploaded: string[] = [];
    for (let i = 1; i <= 5; i++) uploaded.push((await uploadAs(company, `doc-${i}.txt`)).document_id);
    await uploadAs(uniqueCompany(), 'someone-else.txt');

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await status(company, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.statusCode).toBe(200);
      const page: DocumentPage = res.json<DocumentPage>();
      sizes.push(page.documents.length);
      seen.push(...page.documents.map((d) => d.document_id));
      for (const doc of page.documents) expect(doc.company_id).toBe(company);
      cursor = page.next_cursor;
    } while (cursor);

    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...uploaded].reverse());
  });

  it('defaults to 20 per page', async () => {
    const company = uniqueCompany();
    for (let i = 0; i < 21; i++) await uploadAs(company, `d${i}.txt`);
    const page = (await status(company, '')).json<DocumentPage>();
    expect(page.documents).toHaveLength(20);
    expect(page.next_cursor).not.toBeNull();
  });

  it.each(['?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?limit='])('400 for %s', async (query) => {
    const res = await status(uniqueCompany(), query);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_query');
  });

  it.each(['garbage!', 'Zm9v', 'MTIzLm5vdC1hLXV1aWQ'])('400 for the cursor %s', async (cursor) => {
    const res = await status(uniqueCompany(), `?cursor=${cursor}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_cursor');
  });

  it('400 for a malformed company id', async () => {
    const res = await status('../etc', '');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_company_id');
  });
});

describe('GET /ingest/status/:document_id', () => {
  it('shows the document to its company only; everyone else gets the same 404', async () => {
    const owner = uniqueCompany();
    const { document_id } = await uploadAs(owner, 'private.txt');

    const mine = await app.inject({ url: `/ingest/status/${document_id}`, headers: { 'x-company-id': owner } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({ document_id, company_id: owner, filename: 'private.txt', status: 'uploaded' });

    const theirs = await app.inject({ url: `/ingest/status/${document_id}`, headers: { 'x-company-id': uniqueCompany() } });
    const unknown = await app.inject({ url: `/ingest/status/${crypto.randomUUID()}`, headers: { 'x-company-id': owner } });
    const malformed = await app.inject({ url: '/ingest/status/not-a-uuid', headers: { 'x-company-id': owner } });
    for (const res of [theirs, unknown, malformed]) {
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'not_found', message: 'no such document' } });
    }
  });
});
