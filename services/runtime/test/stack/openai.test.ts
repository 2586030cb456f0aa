import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OpenAiEmbedder } from '@docpipe/runtime/openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// OpenAI is the one component no machine here can reach: this suite runs the
// stand-in as its own process, from its CLI, the way the pipeline's stack
// tests and benchmarks use it, and drives it over HTTP only.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const main = `${root}tools/openai-standin/dist/main.js`;

let child: ChildProcess;
let url: string;
let origin: string;

/** Starts the CLI on a free port; resolves with its URL from the "listening" log line. */
async function startCli(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [main, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const entry = JSON.parse(line) as { msg?: string; url?: string };
    if (entry.msg === 'openai stand-in listening' && entry.url) return { proc, url: entry.url };
  }
  throw new Error('the stand-in exited before listening');
}

async function admin<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
  return (await res.json()) as T;
}

beforeAll(async () => {
  // `npm run test:stack` does not build; the CLI runs from dist.
  if (!existsSync(main)) execFileSync(`${root}node_modules/.bin/tsc`, ['-b', `${root}tools/openai-standin`], { stdio: 'inherit' });
  const started = await startCli(['--rate429', '0.3', '--retry-after-ms', '5', '--seed', '11', '--log-level', 'info', '--api-key', 'sk-stack']);
  child = started.proc;
  url = started.url;
  origin = new URL(url).origin;
});

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

describe('OpenAiEmbedder against the stand-in CLI process', () => {
  it('embeds through 30 % injected 429s and the process reports them', async () => {
    const embedder = new OpenAiEmbedder({ apiKey: 'sk-stack', baseURL: url, model: 'text-embedding-3-small', dimensions: 512, concurrency: 4 });
    const batches = Array.from({ length: 25 }, (_, b) => Array.from({ length: 20 }, (_, i) => `batch ${b} chunk ${i}: some words to embed`));
    const vectors = await Promise.all(batches.map((batch) => embedder.embed(batch)));
    expect(vectors.flat()).toHaveLength(500);
    expect(vectors.flat().every((v) => v.length === 512)).toBe(true);
    const stats = await admin<Record<string, number>>('/_standin/stats');
    expect(stats['status429']).toBeGreaterThan(0);
    expect(stats['retries']).toBe(stats['status429']);
    expect(stats).toMatchObject({ succeeded: 25, totalInputs: 500 + 20 * stats['status429']!, maxInputs: 20 });
    expect(stats['maxInFlight']).toBeLessThanOrEqual(4);
  });

  it('takes a token budget at run time and throttles with it', async () => {
    await admin('/_standin/stats/reset', {});
    const config = await admin<Record<string, unknown>>('/_standin/config', { rate429: 0, tpm: 1000 });
    expect(config).toMatchObject({ rate429: 0, tpm: 1000, seed: 11 });
    const embedder = new OpenAiEmbedder({ apiKey: 'sk-stack', baseURL: url, model: 'text-embedding-3-small', maxRetries: 0 });
    await embedder.embed([' the'.repeat(900)]);
    const err = await embedder.embed([' the'.repeat(900)]).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, permanent: false, code: 'rate_limit_exceeded' });
    expect(await admin('/_standin/stats')).toMatchObject({ succeeded: 1, throttled: 1 });
  });

  it('refuses a wrong key with a 401 that holds the backlog (transient), never dead-letters it', async () => {
    const embedder = new OpenAiEmbedder({ apiKey: 'sk-wrong', baseURL: url, model: 'text-embedding-3-small' });
    await expect(embedder.embed(['x'])).rejects.toMatchObject({ status: 401, permanent: false });
  });
});

describe('the stand-in CLI', () => {
  it('prints its usage with --help and exits 0', () => {
    const out = execFileSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    expect(out).toContain('--rate429');
    expect(out).toContain('/_standin/stats');
  });

  it('exits 2 naming a bad option', () => {
    let status: number | null = null;
    let stderr = '';
    try {
      execFileSync(process.execPath, [main, '--rate429', '7'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      ({ status, stderr } = err as { status: number; stderr: string });
    }
    expect(status).toBe(2);
    expect(stderr).toContain('rate429');
  });

  it('stops cleanly on SIGTERM', async () => {
    const { proc } = await startCli([]);
    const code = new Promise((resolve) => proc.once('exit', (c, s) => resolve(c ?? s)));
    proc.kill('SIGTERM');
    expect(await code).toBe(0);
  });
});
