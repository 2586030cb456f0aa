import { Topics, type UploadAccepted } from '@docpipe/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startIngest } from '../src/service.js';
import { collect, createRegistry, openAdapters, testConfig, type Adapters } from './helpers.js';

let adapters: Adapters;

beforeEach(async () => {
  adapters = await openAdapters();
});
afterEach(async () => {
  await adapters.close();
});

describe('startIngest', () => {
  it('listens on an ephemeral port, accepts an upload over HTTP and relays it at once', async () => {
    const { repo, store, bus, logger } = adapters;
    const ingest = await startIngest({ repo, store, bus, logger, config: testConfig({ OUTBOX_POLL_MS: '3600000' }), registry: createRegistry('ingest') });
    try {
      expect(ingest.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const form = new FormData();
      form.append('file', new Blob(['# Hello\n\nworld\n']), 'hello.md');
      const res = await fetch(`${ingest.url}/ingest/upload`, { method: 'POST', body: form, headers: { 'x-company-id': 'acme' } });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as UploadAccepted;
      expect(accepted).toMatchObject({ company_id: 'acme', filename: 'hello.md', status: 'uploaded' });

      // The relay was kicked by the upload: no poll interval to wait for.
      const [raw] = await collect(bus, Topics.documentsRaw, 1);
      expect(raw!.key).toBe(accepted.document_id);

      const ready = await fetch(`${ingest.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { database: true, objectStore: true, bus: true } });
    } finally {
      await ingest.stop();
    }
    await expect(fetch(`${ingest.url}/healthz`)).rejects.toThrow();
  });
});
