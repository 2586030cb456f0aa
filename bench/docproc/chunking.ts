// Chunking throughput: docproc's chunker against LangChain's
// RecursiveCharacterTextSplitter with the same token length function, on the
// same corpus, in the same process, interleaved.
//
//   npx tsc -b && node bench/docproc/chunking.ts [rounds]
//
// Corpus: the Markdown and licence files under node_modules (sorted, so the
// same lockfile gives the same text), ~4 MB of real prose, lists, tables and
// code — no repetition that would flatter the tokenizer's caches.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { chunkText } from '@docpipe/docproc';
import { countTokens } from '@docpipe/runtime';
import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';

const CORPUS_BYTES = 4_000_000;
const MAX_TOKENS = 512;
const OVERLAP = 64;
const rounds = Number(process.argv[2] ?? 5);

function corpusFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) corpusFiles(path, out);
    else if (/^(readme|license|licence|changelog)?.*\.md$|^licen[cs]e(\.txt)?$/i.test(name) && st.size > 2048) out.push(path);
  }
  return out;
}

function corpus(): string {
  const seen = new Set<string>();
  let text = '';
  for (const file of corpusFiles('node_modules')) {
    const content = readFileSync(file, 'utf8');
    if (seen.has(content)) continue; // the same licence in fifty packages would flatter caching
    seen.add(content);
    text += `${content}\n\n`;
    if (Buffer.byteLength(text) >= CORPUS_BYTES) break;
  }
  return text;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const text = corpus();
const mb = Buffer.byteLength(text) / 1e6;
const splitter = new RecursiveCharacterTextSplitter({ chunkSize: MAX_TOKENS, chunkOverlap: OVERLAP, lengthFunction: countTokens });

async function timeOurs(): Promise<{ ms: number; chunks: string[] }> {
  const t = performance.now();
  const chunks = chunkText([{ text, page: null }], { maxTokens: MAX_TOKENS, overlapTokens: OVERLAP });
  return { ms: performance.now() - t, chunks: chunks.map((c) => c.text) };
}

async function timeLangchain(): Promise<{ ms: number; chunks: string[] }> {
  const t = performance.now();
  const chunks = await splitter.splitText(text);
  return { ms: performance.now() - t, chunks };
}

// One untimed run each: module loading and JIT warm-up are not chunking.
const ours = await timeOurs();
const theirs = await timeLangchain();
const times = { ours: [] as number[], langchain: [] as number[] };
for (let i = 0; i < rounds; i++) {
  times.ours.push((await timeOurs()).ms);
  times.langchain.push((await timeLangchain()).ms);
}

function row(name: string, ms: number[], chunks: string[]): string {
  const counts = chunks.map(countTokens);
  const mbps = mb / (median(ms) / 1000);
  const best = mb / (Math.min(...ms) / 1000);
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return `| ${name} | ${mbps.toFixed(2)} | ${best.toFixed(2)} | ${chunks.length} | ${mean.toFixed(0)} | ${Math.max(...counts)} | ${counts.filter((n) => n > MAX_TOKENS).length} |`;
}

console.log(`corpus: ${mb.toFixed(2)} MB, ${countTokens(text)} tokens; maxTokens ${MAX_TOKENS}, overlap ${OVERLAP}; ${rounds} interleaved rounds`);
console.log(`machine: ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'}, node ${process.version}\n`);
console.log('| chunker | MB/s (median) | MB/s (best) | chunks | mean tokens | max tokens (countTokens) | chunks over max |');
console.log('|---|---|---|---|---|---|---|');
console.log(row('docproc chunkText', times.ours, ours.chunks));
console.log(row('LangChain RecursiveCharacterTextSplitter', times.langchain, theirs.chunks));
console.log(`\nspeed-up (median/median): ${(median(times.langchain) / median(times.ours)).toFixed(2)}×`);
