import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { chunkId, encode, parseS3Path, Topics } from '@docpipe/contracts';
import { DocprocMainConfig } from '../../services/docproc/src/main-config.js';
import { GOOD_FIXTURES } from '../../services/docproc/test/fixtures/index.js';
import { EmbeddingMainConfig } from '../../services/embedding/src/main-config.js';
import { GatewayMainConfig } from '../../services/gateway/src/main-config.js';
import { IngestMainConfig } from '../../services/ingest/src/main-config.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deadLettersOf, embeddedChunkIds, KafkaTap, type Marks, type TappedRecord } from './kafka-tap.js';
import { Pipeline, sha256, until } from './pipeline.js';
import { mainOf, type ServiceName } from './processes.js';

const exec = promisify(execFile);

let pipeline: Pipeline;
let tap: KafkaTap;
let readyMarks: Marks;

beforeAll(async () => {
  tap = await KafkaTap.open();
  pipeline = await Pipeline.start({ tag: 'docs' });
  readyMarks = await tap.marks(Topics.embeddingsReady);
});
afterAll(async () => {
  await pipeline?.dispose();
  await tap?.close();
});
beforeEach(({ onTestFailed }) => onTestFailed(() => pipeline?.reportFailure()));

describe('the services as separate processes on Kafka, S3, PostgreSQL and the OpenAI stand-in', () => {
  it('each answers /readyz with exactly the dependencies it checks', async () => {
    const readyz = async (name: ServiceName) => {
      const res = await fetch(`${pipeline.processes.get(name).url}/readyz`);
      return { status: res.status, body: await res.json() };
    };
    expect(await readyz('ingest')).toEqual({ status: 200, body: { status: 'ok', checks: { database: true, objectStore: true, bus: true } } });
    expect(await readyz('docproc')).toEqual({ status: 200, body: { status: 'ok', checks: { bus: true, objectStore: true } } });
    expect(await readyz('embedding')).toEqual({ status: 200, body: { status: 'ok', checks: { bus: true } } });
    expect(await readyz('gateway')).toEqual({ status: 200, body: { status: 'ok', checks: { ingest: true } } });
  });

  it('takes real PDF, DOCX, HTML, Markdown and text documents to embedded, objects in S3 and rows in PostgreSQL', async () => {
    const files = await Promise.all(
      Object.values(GOOD_FIXTURES).map(async (f) => ({ name: basename(f.path), contentType: f.contentType, bytes: await readFile(f.path) })),
    );
    const ids: string[] = [];
    for (const f of files) ids.push(await pipeline.accepted(f.name, f.bytes));

    const rows = await pipeline.waitFinal(ids);
    for (const [i, f] of files.entries()) {
      const row = rows.find((r) => r.id === ids[i])!;
      expect(row).toMatchObject({
        company_id: pipeline.company,
        filename: f.name,
        content_type: f.contentType,
        size_bytes: f.bytes.length,
        sha256: sha256(f.bytes),
        status: 'embedded',
        error: null,
      });
      expect(row.chunks_total).toBeGreaterThan(0);
      expect(row.chunks_embedded).toBe(row.chunks_total);
      const { bucket, key } = parseS3Path(row.s3_path);
      expect({ bucket, key }).toEqual({ bucket: pipeline.bucket, key: `${pipeline.company}/${row.id}/${f.name}` });
      expect(await pipeline.object(key)).toEqual({ size: f.bytes.length, sha256: sha256(f.bytes) });
      expect(await pipeline.status(row.id)).toMatchObject({ document_id: row.id, status: 'embedded', chunks_total: row.chunks_total, chunks_embedded: row.chunks_total });
    }
    // What the status counts rest on: each document's chunks, each embedded (at least) once on the bus.
    const embedded = embeddedChunkIds(await tap.readSince(Topics.embeddingsReady, readyMarks));
    for (const row of rows) expect(embedded.get(row.id)?.size).toBe(row.chunks_total);
  });

  it('dead-letters poison messages produced straight to the topics, and a good document still reaches embedded', async () => {
    const dlqMarks = await tap.marks(Topics.documentsDlq);
    const stranger = randomUUID();
    const unknownChunk = encode(Topics.chunksProcessed, {
      chunk_id: chunkId(stranger, 0),
      document_id: stranger,
      company_id: pipeline.company,
      text: 'a chunk of a document nobody uploaded',
      page: null,
      chunk_index: 0,
      chunk_count: 1,
      token_count: 8,
    });
    const poisons = {
      rawInvalidJson: { topic: Topics.documentsRaw, ...(await tap.produce(Topics.documentsRaw, randomUUID(), '{"document_id": ')) },
      rawWrongSchema: {
        topic: Topics.documentsRaw,
        ...(await tap.produce(Topics.documentsRaw, randomUUID(), JSON.stringify({ document_id: 42, company_id: ['x'], s3_path: true }))),
      },
      chunkInvalidJson: { topic: Topics.chunksProcessed, ...(await tap.produce(Topics.chunksProcessed, randomUUID(), 'not json at all')) },
      chunkUnknownDocument: { topic: Topics.chunksProcessed, ...(await tap.produce(Topics.chunksProcessed, stranger, unknownChunk.value)) },
    };
    const good = await readFile(GOOD_FIXTURES.markdown.path);
    const id = await pipeline.accepted('after-the-poison.md', good);

    const [row] = await pipeline.waitFinal([id]);
    expect(row).toMatchObject({ status: 'embedded', error: null });
    expect(row!.chunks_embedded).toBe(row!.chunks_total);
    expect(row!.chunks_total).toBeGreaterThan(0);

    // Each poison is dead-lettered by every stage that reads its topic; several stages may answer a while apart.
    const expectedStages = {
      rawInvalidJson: ['docproc'],
      rawWrongSchema: ['docproc'],
      chunkInvalidJson: ['embedding', 'status'],
      chunkUnknownDocument: ['status'],
    } as const;
    let dlq: TappedRecord[] = [];
    const stagesOf = (name: keyof typeof poisons) => [...new Set(deadLettersOf(dlq, poisons[name]).map((d) => d.stage))].sort();
    const complete = () => Object.entries(expectedStages).every(([name, stages]) => stages.every((s) => stagesOf(name as keyof typeof poisons).includes(s)));
    await until(
      async () => {
        dlq = await tap.readSince(Topics.documentsDlq, dlqMarks);
        return complete();
      },
      'every poison message in documents.dlq',
      90_000,
    );
    for (const [name, stages] of Object.entries(expectedStages)) expect(stagesOf(name as keyof typeof poisons)).toEqual([...stages]);
    const unknown = deadLettersOf(dlq, poisons.chunkUnknownDocument);
    expect(unknown[0]).toMatchObject({ document_id: stranger, stage: 'status', error: expect.stringMatching(/unknown document/) });
    const invalid = deadLettersOf(dlq, poisons.rawInvalidJson);
    expect(invalid[0]).toMatchObject({ document_id: null, stage: 'docproc', source_topic: Topics.documentsRaw });
  }, 300_000);
});

describe('each main, run by hand', () => {
  const schemas = { gateway: GatewayMainConfig, ingest: IngestMainConfig, docproc: DocprocMainConfig, embedding: EmbeddingMainConfig };

  it.each(Object.keys(schemas) as ServiceName[])('%s --help prints every variable it reads', async (name) => {
    const { stdout } = await exec(process.execPath, [mainOf(name), '--help'], { env: { PATH: process.env['PATH'] ?? '' } });
    const listed = [...stdout.matchAll(/^ {2}([A-Z][A-Z0-9_]+) /gm)].map((m) => m[1]).filter((v) => v !== 'VARIABLE');
    expect(listed).toEqual(Object.keys(schemas[name].shape));
  });

  it('refuses to start without its configuration, naming each missing variable, with exit code 2', async () => {
    const failure = await exec(process.execPath, [mainOf('ingest')], { env: { PATH: process.env['PATH'] ?? '' } }).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(2);
    for (const name of ['KAFKA_BROKERS', 'AWS_REGION', 'DATABASE_URL', 'S3_BUCKET']) expect(failure?.stderr).toContain(`${name}:`);
  });
});
