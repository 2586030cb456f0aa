import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Topics } from '@docpipe/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddedChunkIds, KafkaTap, type Marks } from './kafka-tap.js';
import { Pipeline, textDocument } from './pipeline.js';

// The shared broker of scripts/stack.sh is stopped and started again: the stack
// suites run one file at a time, so no other suite is using it meanwhile.
const run = promisify(execFile);
const kafkaSh = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
const broker = (command: 'start' | 'stop') => run(kafkaSh, [command], { env: process.env, timeout: 150_000 });

let pipeline: Pipeline;
let tap: KafkaTap | undefined;
let readyMarks: Marks;

beforeAll(async () => {
  pipeline = await Pipeline.start({ tag: 'outage' });
  // The tap is closed across the outage: its clients are not what this test is about.
  const before = await KafkaTap.open();
  readyMarks = await before.marks(Topics.embeddingsReady);
  await before.close();
});
afterAll(async () => {
  // Whatever happened, the broker runs again for the suites after this one.
  await broker('start');
  await pipeline?.dispose();
  await tap?.close();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => pipeline?.reportFailure()));

async function ingestReadiness(): Promise<{ status: number; checks: Record<string, boolean> }> {
  const res = await fetch(`${pipeline.processes.get('ingest').url}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, boolean> }).checks };
}

describe('a Kafka broker restart in the middle of a run', () => {
  it('accepts uploads while the broker is down (202, held in the outbox) and finishes every one once it is back', async () => {
    const before = [];
    for (let i = 0; i < 3; i++) before.push(await pipeline.accepted(`before-${i}.txt`, textDocument(3_000 + i, 1_500)));
    // Not waited for: these are in flight when the broker goes.
    await broker('stop');
    const during: string[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const res = await pipeline.upload(`during-${i}.txt`, textDocument(3_100 + i, 1_500));
        expect(res.status).toBe(202);
        during.push(res.body.document_id);
      }
      // Nothing could be relayed: every one waits in the outbox, and ingest says the bus is gone.
      const rows = await pipeline.rows(during);
      expect(rows.map((r) => r.status)).toEqual(during.map(() => 'uploaded'));
      expect(await ingestReadiness()).toEqual({ status: 503, checks: { database: true, objectStore: true, bus: false } });
    } finally {
      await broker('start');
    }
    tap = await KafkaTap.open();

    const ids = [...before, ...during];
    const rows = await pipeline.waitFinal(ids, 240_000);
    expect(rows.filter((r) => r.status !== 'embedded').map((r) => `${r.filename}: ${r.status} ${r.error}`)).toEqual([]);
    for (const row of rows) {
      expect(row.chunks_total, row.filename).toBeGreaterThan(0);
      expect(row.chunks_embedded, row.filename).toBe(row.chunks_total);
    }
    const { rows: outbox } = await pipeline.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(outbox[0]!.n).toBe(0);
    expect((await ingestReadiness()).status).toBe(200);

    // Nothing lost and nothing counted twice: every chunk of every document is on embeddings.ready.
    const embedded = embeddedChunkIds(await tap.readSince(Topics.embeddingsReady, readyMarks));
    for (const row of rows) expect(embedded.get(row.id)?.size, row.filename).toBe(row.chunks_total);
  }, 300_000); // above the polling bounds inside, so a stuck run fails with their message and the logs
});
