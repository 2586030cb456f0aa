import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Topics } from '@docpipe/contracts';
import { GOOD_FIXTURES } from '../../services/docproc/test/fixtures/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddedChunkIds, KafkaTap } from './kafka-tap.js';
import { mapLimit, Pipeline, sleep, textDocument, until } from './pipeline.js';

const DOCUMENTS = 60;

let pipeline: Pipeline;
let tap: KafkaTap;

beforeAll(async () => {
  tap = await KafkaTap.open();
  pipeline = await Pipeline.start({
    tag: 'crash',
    // Slow embeddings and small batches stretch the run, so the kill lands in its middle.
    standin: { latencyMs: 150 },
    env: { embedding: { CONSUMER_MAX_BATCH: '16', EMBEDDING_CONCURRENCY: '2' } },
  });
});
afterAll(async () => {
  await pipeline?.dispose();
  await tap?.close();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => pipeline?.reportFailure()));

/** 60 documents: generated text of about 2,500 words each, and three copies of every real fixture but the text one. */
async function documents(): Promise<{ name: string; bytes: Buffer }[]> {
  const fixtures = [GOOD_FIXTURES.pdf, GOOD_FIXTURES.docx, GOOD_FIXTURES.html, GOOD_FIXTURES.markdown];
  const real = await Promise.all(fixtures.map(async (f) => ({ name: basename(f.path), bytes: await readFile(f.path) })));
  const copies = [1, 2, 3].flatMap((n) => real.map((f) => ({ name: `copy-${n}-${f.name}`, bytes: f.bytes })));
  const generated = Array.from({ length: DOCUMENTS - copies.length }, (_, i) => ({ name: `generated-${i}.txt`, bytes: textDocument(1_000 + i, 2_500) }));
  return [...generated, ...copies];
}

interface Progress {
  documents: number;
  embeddedDocuments: number;
  embeddedChunks: number;
}

async function progress(): Promise<Progress> {
  const { rows } = await pipeline.db.query<Progress>(
    `SELECT count(*)::int AS documents,
            (count(*) FILTER (WHERE status = 'embedded'))::int AS "embeddedDocuments",
            coalesce(sum(chunks_embedded), 0)::int AS "embeddedChunks"
       FROM documents`,
  );
  return rows[0]!;
}

describe('kill -9 of docproc and embedding in the middle of a run', () => {
  it(`takes all ${DOCUMENTS} documents to embedded with exact counts once they are restarted`, async () => {
    const readyMarks = await tap.marks(Topics.embeddingsReady);
    const files = await documents();
    const uploads = mapLimit(files, 3, (f) => pipeline.accepted(f.name, f.bytes));
    uploads.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile

    await until(async () => (await progress()).embeddedChunks >= 40, 'the run to be under way');
    await Promise.all([pipeline.processes.kill('docproc', 'SIGKILL'), pipeline.processes.kill('embedding', 'SIGKILL')]);
    const atKill = await progress();
    await sleep(500);
    await pipeline.startService('docproc');
    await pipeline.startService('embedding');

    const ids = await uploads;
    expect(new Set(ids).size).toBe(DOCUMENTS);
    // The kill really came mid-run: documents were still on their way.
    expect(atKill.embeddedDocuments).toBeLessThan(DOCUMENTS);

    const rows = await pipeline.waitFinal(ids, 240_000);
    expect(rows.filter((r) => r.status !== 'embedded').map((r) => `${r.filename}: ${r.status} ${r.error}`)).toEqual([]);
    for (const row of rows) {
      expect(row.chunks_total, row.filename).toBeGreaterThan(0);
      expect(row.chunks_embedded, row.filename).toBe(row.chunks_total);
    }
    const { rows: over } = await pipeline.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE chunks_embedded > chunks_total');
    expect(over[0]!.n).toBe(0);

    // Counts rest on the bus: each document's distinct chunk ids on embeddings.ready are exactly its chunks_total.
    const records = await tap.readSince(Topics.embeddingsReady, readyMarks);
    const embedded = embeddedChunkIds(records);
    const distinct = ids.reduce((sum, id) => sum + (embedded.get(id)?.size ?? 0), 0);
    expect(distinct).toBe(rows.reduce((sum, r) => sum + r.chunks_total, 0));
    for (const row of rows) expect(embedded.get(row.id)?.size, row.filename).toBe(row.chunks_total);
  }, 300_000); // above the polling bounds inside, so a stuck run fails with their message and the logs
});
