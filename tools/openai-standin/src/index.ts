import type { Logger } from '@docpipe/runtime';
import type { AddressInfo } from 'node:net';
import { initialConfig, type StandinConfig, type StandinConfigPatch } from './config.js';
import { buildStandinApp } from './server.js';
import { Standin } from './standin.js';
import type { StandinStats } from './stats.js';

export { DEFAULT_STANDIN_CONFIG, StandinConfigPatch, type StandinConfig } from './config.js';
export { MODELS, type ModelSpec } from './models.js';
export type { StandinStats } from './stats.js';
export { buildStandinApp } from './server.js';
export { Standin, type EmbeddingsResponse } from './standin.js';

export interface OpenAiStandinOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: the stand-in is for loopback tests. */
  host?: string;
  /** Faults, budgets, seed and key at start; change them later with `configure`. */
  config?: StandinConfigPatch;
  /** Request logs; silent when absent. */
  logger?: Logger;
}

export interface OpenAiStandin {
  /** The SDK's baseURL: `http://host:port/v1`. */
  url: string;
  /** `http://host:port`, where the /_standin admin routes live. */
  origin: string;
  /** Closes the server (waits for requests in flight). */
  stop(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): StandinStats;
  /** Zeroes the counters. */
  resetStats(): void;
  /** Changes faults/budgets/seed at run time; returns the configuration now in force. */
  configure(patch: StandinConfigPatch): StandinConfig;
}

/** Starts the OpenAI embeddings stand-in on loopback; see tools/openai-standin/README.md. */
export async function startOpenAiStandin(opts: OpenAiStandinOptions = {}): Promise<OpenAiStandin> {
  const standin = new Standin(initialConfig(opts.config));
  const app = buildStandinApp(standin, opts.logger);
  await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const origin = `http://${host}:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    stop: () => app.close(),
    stats: () => ({ ...standin.stats }),
    resetStats: () => standin.resetStats(),
    configure: (patch) => standin.configure(patch),
  };
}
