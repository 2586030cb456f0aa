// A large upload through the gateway and ingest into S3 (moto), side by side
// with a direct upload of the same file to the same S3 server (lib-storage
// Upload, ingest's part size and queue), and the peak RSS of gateway and ingest.
//
//   npx tsc -b && scripts/stack.sh start && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --import ./bench/stack/ts-hooks.mjs \
//     bench/stack/upload.ts [MiB=1024] [rounds=1]
//
// Needs Kafka, PostgreSQL and moto running (it does not start them). The file
// is TEXT (so ingest's sniffing accepts it), written to os.tmpdir() and deleted
// at the end; it is streamed from disk (fs.openAsBlob), never held in memory.
// gateway's and ingest's MAX_UPLOAD_BYTES are raised to 2 GiB for the run;
// docproc later dead-letters the document unread (over MAX_DOCUMENT_BYTES).
// moto keeps objects in memory: each object is deleted right after its round.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { COMPANY_HEADER, type UploadAccepted } from '@docpipe/contracts';
import { Pipeline, textDocument } from '../../test/stack/pipeline.ts';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 1);
/** ingest's object store defaults (S3_PART_SIZE_MB=8, queueSize 4). */
const PART_SIZE = 8 * MIB;
const QUEUE_SIZE = 4;
const STACK = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));

function loadStackEnv(): void {
  if (process.env['KAFKA_BROKERS'] && process.env['S3_ENDPOINT'] && process.env['DATABASE_URL']) return;
  for (const line of execFileSync(STACK, ['env'], { encoding: 'utf8' }).split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] = m[2]!;
  }
}

/** VmRSS and VmHWM (peak) of `pid`, in MB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function motoPid(): number | undefined {
  try {
    const out = execFileSync(STACK, ['status', 's3'], { encoding: 'utf8' });
    return Number(/pid (\d+)/.exec(out)?.[1]) || undefined;
  } catch {
    return undefined;
  }
}

/** Writes `bytes` of plain text (the stack suites' prose, repeated) without holding it in memory. */
async function writeTextFile(path: string, bytes: number): Promise<void> {
  const block = Buffer.concat(Array.from({ length: 8 }, (_, i) => textDocument(i + 1, 8000)));
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; ) {
    const piece = block.subarray(0, Math.min(block.length, bytes - written));
    if (!out.write(piece)) await once(out, 'drain');
    written += piece.length;
  }
  out.end();
  await once(out, 'finish');
}

async function throughGateway(pipeline: Pipeline, path: string): Promise<{ seconds: number; key: string }> {
  const form = new FormData();
  form.append('file', await openAsBlob(path, { type: 'text/plain' }), 'big.txt');
  const started = performance.now();
  const res = await fetch(`${pipeline.gatewayUrl}/ingest/upload`, { method: 'POST', body: form, headers: { [COMPANY_HEADER]: pipeline.company } });
  const body = (await res.json()) as UploadAccepted & { s3_path?: string };
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(body)}\n${pipeline.processes.tails(10)}`);
  const [row] = await pipeline.rows([body.document_id]);
  const key = row!.s3_path.replace(/^s3:\/\/[^/]+\//, '');
  return { seconds, key };
}

async function direct(pipeline: Pipeline, path: string): Promise<{ seconds: number; key: string }> {
  const key = `bench/direct-${Date.now()}.txt`;
  const started = performance.now();
  const upload = new Upload({
    client: pipeline.s3,
    params: { Bucket: pipeline.bucket, Key: key, Body: createReadStream(path), ContentType: 'text/plain' },
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    leavePartsOnError: false,
  });
  await upload.done();
  return { seconds: (performance.now() - started) / 1000, key };
}

const fmt = (mb: number | undefined): string => (mb === undefined ? '?' : mb.toFixed(0));
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

/** Each round: through the gateway, then direct; each object deleted at once (moto holds it in memory). Returns moto's largest RSS seen. */
async function measureRounds(pipeline: Pipeline, path: string, moto: number | undefined): Promise<number> {
  let motoPeak = 0;
  const rate = (s: number) => sizeMiB / s;
  process.stdout.write('| round | path | s | MB/s (MiB) | × direct | load average |\n|---|---|---|---|---|---|\n');
  for (let round = 1; round <= rounds; round++) {
    const viaGateway = await throughGateway(pipeline, path);
    if (moto) motoPeak = Math.max(motoPeak, memory(moto).rss);
    await pipeline.s3.send(new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: viaGateway.key }));
    const load1 = load();
    const straight = await direct(pipeline, path);
    if (moto) motoPeak = Math.max(motoPeak, memory(moto).rss);
    await pipeline.s3.send(new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: straight.key }));
    process.stdout.write(`| ${round} | gateway → ingest → S3 | ${viaGateway.seconds.toFixed(2)} | ${rate(viaGateway.seconds).toFixed(1)} | ${(straight.seconds / viaGateway.seconds).toFixed(2)}× | ${load1} |\n`);
    process.stdout.write(`| ${round} | direct lib-storage Upload | ${straight.seconds.toFixed(2)} | ${rate(straight.seconds).toFixed(1)} | 1.00× | ${load()} |\n`);
  }
  return motoPeak;
}

async function bench(pipeline: Pipeline, path: string): Promise<void> {
  const pids = { gateway: pipeline.processes.get('gateway').child.pid!, ingest: pipeline.processes.get('ingest').child.pid! };
  const moto = motoPid();
  const snapshot = () => ({ gateway: memory(pids.gateway), ingest: memory(pids.ingest), moto: moto ? memory(moto) : undefined });
  const before = snapshot();
  process.stdout.write(`upload: ${sizeMiB} MiB text file, part size ${PART_SIZE / MIB} MiB × queue ${QUEUE_SIZE}; ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}\n`);
  process.stdout.write(`before (MB, RSS / VmHWM): gateway ${fmt(before.gateway.rss)} / ${fmt(before.gateway.hwm)}, `);
  process.stdout.write(`ingest ${fmt(before.ingest.rss)} / ${fmt(before.ingest.hwm)}, moto ${fmt(before.moto?.rss)} / ${fmt(before.moto?.hwm)}\n\n`);
  const motoPeak = await measureRounds(pipeline, path, moto);
  const after = snapshot();
  process.stdout.write(`\npeak RSS (VmHWM, MB): gateway ${fmt(after.gateway.hwm)}, ingest ${fmt(after.ingest.hwm)}`);
  process.stdout.write(`; moto: RSS right after an upload up to ${fmt(motoPeak)}, VmHWM ${fmt(after.moto?.hwm)}, RSS now ${fmt(after.moto?.rss)} (objects deleted)\n`);
}

async function main(): Promise<void> {
  loadStackEnv();
  process.env['STACK_LOG_LEVEL'] ??= 'warn';
  const dir = await mkdtemp(join(tmpdir(), 'docpipe-bench-upload-'));
  const path = join(dir, 'big.txt');
  const limit = String(2 * 1024 * MIB);
  let pipeline: Pipeline | undefined;
  try {
    await writeTextFile(path, sizeMiB * MIB);
    pipeline = await Pipeline.start({ tag: 'benchupload', env: { ingest: { MAX_UPLOAD_BYTES: limit }, gateway: { MAX_UPLOAD_BYTES: limit } } });
    await bench(pipeline, path);
  } catch (err) {
    pipeline?.reportFailure();
    throw err;
  } finally {
    await pipeline?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
