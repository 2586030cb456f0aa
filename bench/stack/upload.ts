// A large upload through the gateway and ingest into S3 (moto), side by side
// with a direct upload of the same file to the same S3 server (lib-storage
// Upload, 8 MiB parts × queue 4), and the peak RSS of gateway and ingest.
//
//   npx tsc -b && scripts/stack.sh start && eval "$(scripts/stack.sh env)"
//   node --experimental-transform-types --import ./bench/stack/ts-hooks.mjs \
//     bench/stack/upload.ts [MiB=1024] [rounds=1] [variants=current]
//
// variants (comma-separated; one pipeline, whose ingest and gateway are restarted
// with each variant's environment; every round uploads through each variant and
// once directly, in rotating order):
//   current    the services as built
//   baseline   gateway and ingest from another build (ALT_TREE=<dir> holding
//              runtime-dist/, ingest-dist/, gateway-dist/; see alt-tree.mjs)
//   NAME       a JSON object in UPLOAD_VARIANT_NAME: {"gateway": {VAR: value}, "ingest": {…}},
//              extra environment (NODE_OPTIONS, S3_PART_SIZE_MB, MALLOC_ARENA_MAX, …)
// Peak RSS is per round: VmHWM is reset (/proc/<pid>/clear_refs) before each upload.
// UPLOAD_CLIENT=curl (default) or fetch: what posts the file to the gateway. On 2
// cores the client shares the CPU with gateway, ingest and moto; curl is the
// README's client and the cheapest (bench/RESULTS.md has both).
//
// Needs Kafka, PostgreSQL and moto running (it does not start them). The file
// is TEXT (so ingest's sniffing accepts it), written to os.tmpdir() and deleted
// at the end; it is streamed from disk, never held in memory.
// gateway's and ingest's MAX_UPLOAD_BYTES are raised to 2 GiB for the run;
// docproc later dead-letters the document unread (over MAX_DOCUMENT_BYTES).
// moto keeps objects in memory: each object is deleted right after its round.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
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
/** The direct reference: lib-storage with 8 MiB parts × queue 4, as in session 1's figures (ingest now uses 5 MiB parts). */
const PART_SIZE = 8 * MIB;
const QUEUE_SIZE = 4;
const execFileAsync = promisify(execFile);
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

/** How the file is sent to the gateway: curl (default; the README's client, ~1 s of CPU per GiB) or Node's fetch (~10 s per GiB, taken from the services on 2 cores). */
const CLIENT = process.env['UPLOAD_CLIENT'] ?? 'curl';

async function postFile(pipeline: Pipeline, path: string): Promise<{ status: number; body: UploadAccepted & { s3_path?: string } }> {
  const url = `${pipeline.gatewayUrl}/ingest/upload`;
  if (CLIENT === 'fetch') {
    const form = new FormData();
    form.append('file', await openAsBlob(path, { type: 'text/plain' }), 'big.txt');
    const res = await fetch(url, { method: 'POST', body: form, headers: { [COMPANY_HEADER]: pipeline.company } });
    return { status: res.status, body: (await res.json()) as UploadAccepted };
  }
  if (CLIENT !== 'curl') throw new Error(`UPLOAD_CLIENT must be curl or fetch, got ${CLIENT}`);
  const args = ['-sS', '-w', '\n%{http_code}', '-H', `${COMPANY_HEADER}: ${pipeline.company}`, '-F', `file=@${path};type=text/plain;filename=big.txt`, url];
  const { stdout } = await execFileAsync('curl', args, { encoding: 'utf8' });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: JSON.parse(stdout.slice(0, cut)) as UploadAccepted };
}

async function throughGateway(pipeline: Pipeline, path: string): Promise<{ seconds: number; key: string }> {
  const started = performance.now();
  const { status, body } = await postFile(pipeline, path);
  const seconds = (performance.now() - started) / 1000;
  if (status !== 202) throw new Error(`upload answered ${status}: ${JSON.stringify(body)}\n${pipeline.processes.tails(10)}`);
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
const ALT_TREE_HOOK = fileURLToPath(new URL('./alt-tree.mjs', import.meta.url));

type ServiceEnv = { gateway?: Record<string, string>; ingest?: Record<string, string> };

/** The extra environment of a variant (see the header). */
function variantEnv(name: string): ServiceEnv {
  if (name === 'current') return {};
  if (name === 'baseline') {
    const tree = process.env['ALT_TREE'];
    if (!tree) throw new Error('variant baseline needs ALT_TREE=<dir with runtime-dist/, ingest-dist/, gateway-dist/>');
    const env = { ALT_TREE: tree, NODE_OPTIONS: `--import ${ALT_TREE_HOOK}` };
    return { gateway: env, ingest: env };
  }
  const json = process.env[`UPLOAD_VARIANT_${name.toUpperCase()}`];
  if (!json) throw new Error(`unknown variant ${name}: set UPLOAD_VARIANT_${name.toUpperCase()}='{"ingest": {...}}'`);
  const env = JSON.parse(json) as ServiceEnv;
  return env;
}

/** Resets VmHWM to the current RSS, so the next reading is this round's peak. */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

interface Variant {
  name: string;
  pipeline: Pipeline;
  pids: { gateway: number; ingest: number };
  idle: { gateway: { rss: number; hwm: number }; ingest: { rss: number; hwm: number } };
}

interface Row {
  round: number;
  name: string;
  seconds: number;
  idleGateway?: number;
  idleIngest?: number;
  gatewayPeak?: number;
  ingestPeak?: number;
  load: string;
}

async function uploadOnce(v: Variant, path: string, round: number): Promise<Row> {
  resetPeak(v.pids.gateway);
  resetPeak(v.pids.ingest);
  const before = load();
  const up = await throughGateway(v.pipeline, path);
  const peaks = { gatewayPeak: memory(v.pids.gateway).hwm, ingestPeak: memory(v.pids.ingest).hwm };
  await v.pipeline.s3.send(new DeleteObjectCommand({ Bucket: v.pipeline.bucket, Key: up.key }));
  return { round, name: v.name, seconds: up.seconds, idleGateway: v.idle.gateway.rss, idleIngest: v.idle.ingest.rss, ...peaks, load: before };
}

async function directOnce(pipeline: Pipeline, path: string, round: number): Promise<Row> {
  const before = load();
  const straight = await direct(pipeline, path);
  await pipeline.s3.send(new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: straight.key }));
  return { round, name: 'direct', seconds: straight.seconds, load: before };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Every round: each variant through the gateway (ingest and gateway restarted for it) and the direct upload, in rotating order. */
async function measureRounds(pipeline: Pipeline, names: string[], limit: string, path: string): Promise<Row[]> {
  const rows: Row[] = [];
  const rate = (s: number) => sizeMiB / s;
  process.stdout.write('| round | path | s | MB/s (MiB) | idle RSS gateway / ingest | peak RSS gateway / ingest (MB) | load average before |\n|---|---|---|---|---|---|---|\n');
  const steps = [...names, 'direct'];
  for (let round = 1; round <= rounds; round++) {
    for (let i = 0; i < steps.length; i++) {
      const name = steps[(i + round - 1) % steps.length]!;
      const variant = name === 'direct' ? undefined : await useVariant(pipeline, name, limit);
      const row = variant ? await uploadOnce(variant, path, round) : await directOnce(pipeline, path, round);
      rows.push(row);
      const idle = variant ? `${fmt(variant.idle.gateway.rss)} / ${fmt(variant.idle.ingest.rss)}` : '';
      const peaks = row.gatewayPeak === undefined ? '' : `${fmt(row.gatewayPeak)} / ${fmt(row.ingestPeak)}`;
      process.stdout.write(`| ${round} | ${row.name} | ${row.seconds.toFixed(2)} | ${rate(row.seconds).toFixed(1)} | ${idle} | ${peaks} | ${row.load} |\n`);
    }
  }
  return rows;
}

function summary(names: string[], rows: Row[]): void {
  const directRate = median(rows.filter((r) => r.name === 'direct').map((r) => sizeMiB / r.seconds));
  process.stdout.write(`\n| variant | median MB/s | × direct (median of same-round ratios) | idle RSS gateway / ingest (median) | peak RSS gateway / ingest (median, max) |\n|---|---|---|---|---|\n`);
  process.stdout.write(`| direct | ${directRate.toFixed(1)} | 1.00× | | |\n`);
  for (const name of names) {
    const own = rows.filter((r) => r.name === name);
    const ratios = own.map((r) => rows.find((d) => d.name === 'direct' && d.round === r.round)!.seconds / r.seconds);
    const g = own.map((r) => r.gatewayPeak!);
    const i = own.map((r) => r.ingestPeak!);
    process.stdout.write(
      `| ${name} | ${median(own.map((r) => sizeMiB / r.seconds)).toFixed(1)} | ${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(', ')}) | ` +
        `${fmt(median(own.map((r) => r.idleGateway!)))} / ${fmt(median(own.map((r) => r.idleIngest!)))} | ${fmt(median(g))}, ${fmt(Math.max(...g))} / ${fmt(median(i))}, ${fmt(Math.max(...i))} |\n`,
    );
  }
  process.stdout.write(`load average at the end: ${load()}\n`);
}

/**
 * Restarts ingest and the gateway of the one pipeline with `name`'s environment
 * (pipelines cannot run side by side: their consumer groups are fixed names).
 */
async function useVariant(pipeline: Pipeline, name: string, limit: string): Promise<Variant> {
  const extra = variantEnv(name);
  for (const service of ['gateway', 'ingest'] as const) await pipeline.processes.kill(service, 'SIGTERM');
  pipeline['opts'].env = { ingest: { MAX_UPLOAD_BYTES: limit, ...extra.ingest }, gateway: { MAX_UPLOAD_BYTES: limit, ...extra.gateway } };
  for (const service of ['ingest', 'gateway'] as const) await pipeline.startService(service);
  const pids = { gateway: pipeline.processes.get('gateway').child.pid!, ingest: pipeline.processes.get('ingest').child.pid! };
  await new Promise((r) => setTimeout(r, 3_000)); // let startup settle before the idle reading
  return { name, pipeline, pids, idle: { gateway: memory(pids.gateway), ingest: memory(pids.ingest) } };
}

async function main(): Promise<void> {
  loadStackEnv();
  process.env['STACK_LOG_LEVEL'] ??= 'warn';
  const names = (process.argv[4] ?? 'current').split(',');
  const dir = await mkdtemp(join(tmpdir(), 'docpipe-bench-upload-'));
  const path = join(dir, 'big.txt');
  const limit = String(2 * 1024 * MIB);
  let pipeline: Pipeline | undefined;
  try {
    await writeTextFile(path, sizeMiB * MIB);
    pipeline = await Pipeline.start({ tag: 'benchupload', env: { ingest: { MAX_UPLOAD_BYTES: limit }, gateway: { MAX_UPLOAD_BYTES: limit } } });
    const moto = motoPid();
    process.stdout.write(`upload: ${sizeMiB} MiB text file with ${CLIENT}, direct: part size ${PART_SIZE / MIB} MiB × queue ${QUEUE_SIZE}; ${cpus().length}× ${cpus()[0]?.model.trim()}, node ${process.version}, ${new Date().toISOString()}\n`);
    for (const name of names) process.stdout.write(`variant ${name}: ${JSON.stringify(variantEnv(name))}\n`);
    process.stdout.write(`moto before (MB, RSS / VmHWM): ${fmt(moto ? memory(moto).rss : undefined)} / ${fmt(moto ? memory(moto).hwm : undefined)}\n\n`);
    const rows = await measureRounds(pipeline, names, limit, path);
    summary(names, rows);
    if (moto) process.stdout.write(`moto now: RSS ${fmt(memory(moto).rss)} MB (objects deleted)\n`);
  } catch (err) {
    pipeline?.reportFailure();
    throw err;
  } finally {
    await pipeline?.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
