import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, type ChunkProcessed, type EmbeddingReady } from '@docpipe/contracts';
import { openPgliteRepository, type Subscription } from '@docpipe/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { collectTopic, startHarness, until, upload, waitFinal, type Harness } from './helpers.js';

/** A long Markdown report: enough chunks that the pipeline cannot finish it in the moment before stop(). */
function longReport(sections: number): Buffer {
  const parts = ['# Quarterly operations report\n'];
  for (let s = 1; s <= sections; s++) {
    parts.push(`\n## Section ${s}: region ${s % 7} logistics\n`);
    for (let p = 0; p < 6; p++) {
      parts.push(
        `\nParagraph ${p} of section ${s}. Shipments through hub ${(s * 13 + p) % 97} rose while returns fell; ` +
          `the warehouse team rebalanced ${s * p + 3} pallets across ${p + 2} docks, and invoices were reconciled ` +
          `against the ledger for customer accounts ${s}-${p}. Lead times stayed within the agreed service level.\n`,
      );
    }
  }
  return Buffer.from(parts.join(''));
}

describe('local mode across a restart', () => {
  let dir: string | undefined;
  let harness: Harness | undefined;
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) await s.stop();
    await harness?.dispose();
    harness = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('finishes, with exact counts, a document accepted just before stop()', async () => {
    dir = await mkdtemp(join(tmpdir(), 'docpipe-e2e-restart-'));
    const first = await startHarness({}, dir);
    const accepted = await upload(first.local.url, { filename: 'quarterly report.md', body: longReport(120), company: 'acme-eu' });
    expect(accepted.status).toBe(202);
    await first.local.stop();
    const id = accepted.body.document_id;

    // Between the two runs, straight from the database: the document was still in flight.
    const repo = await openPgliteRepository({ dataDir: join(dir, 'db') });
    const between = await repo.getDocument('acme-eu', id);
    await repo.close();
    expect(between?.status).not.toBe('embedded');

    harness = await startHarness({}, dir);
    const final = await waitFinal(harness.local.url, id, 'acme-eu');
    expect(final).toMatchObject({ status: 'embedded', filename: 'quarterly report.md', error: null });
    expect(final.chunks_total).toBeGreaterThan(10);
    expect(final.chunks_embedded).toBe(final.chunks_total);

    // The bus survived too: every chunk is on it, and was embedded (maybe more than once; counted once).
    const chunks: ChunkProcessed[] = [];
    const ready: EmbeddingReady[] = [];
    subs.push(await collectTopic(harness.local, Topics.chunksProcessed, chunks));
    subs.push(await collectTopic(harness.local, Topics.embeddingsReady, ready));
    const ids = (list: { document_id: string; chunk_id: string }[]): Set<string> =>
      new Set(list.filter((c) => c.document_id === id).map((c) => c.chunk_id));
    await until(() => ids(chunks).size === final.chunks_total && ids(ready).size === final.chunks_total, 'the document on the bus');
    expect(new Set(chunks.filter((c) => c.document_id === id).map((c) => c.chunk_count))).toEqual(new Set([final.chunks_total]));
    expect(ids(ready)).toEqual(ids(chunks));
  });

  it('stops every part even when one fails to stop, then rejects naming the failure', async () => {
    harness = await startHarness();
    const { local } = harness;
    const close = local.repo.close.bind(local.repo);
    local.repo.close = async () => {
      throw new Error('disk gone');
    };
    const stopping = local.stop();
    await expect(stopping).rejects.toThrow('local mode did not stop cleanly');
    await expect(stopping).rejects.toMatchObject({ cause: new Error('disk gone') });
    // The parts started before and after the database were stopped all the same.
    await expect(fetch(`${local.url}/healthz`)).rejects.toThrow();
    expect(await local.bus.ping()).toBe(false);
    await close();
    harness = { ...harness, dispose: async () => rm(harness!.dataDir, { recursive: true, force: true }) };
  });
});
