import { parseArgs } from 'node:util';
import type { StandinConfigPatch } from './config.js';

/** What `openai-standin --help` prints. */
export const USAGE = `Usage: node tools/openai-standin/dist/main.js [options]

A local server that speaks OpenAI's POST /v1/embeddings (baseURL http://HOST:PORT/v1),
with OpenAI's request limits and injectable faults. Admin: GET /_standin/stats,
POST /_standin/stats/reset, GET|POST /_standin/config (JSON with the fields below).

Options:
  --port N             listen port (default 15100; 0 = any free port)
  --host ADDR          listen address (default 127.0.0.1)
  --rate429 F          fraction 0..1 of requests answered 429 rate_limit_exceeded (default 0)
  --rate5xx F          fraction 0..1 answered 500/503 server_error (default 0)
  --latency-ms N       added to every request (default 0)
  --retry-after-ms N   wait the injected 429s ask for (default 1000)
  --tpm N              tokens-per-minute budget, enforced with real 429s (default: none)
  --rpm N              requests-per-minute budget, enforced (default: none)
  --seed N             seed of the fault sequence (default 1)
  --api-key KEY        accept only this bearer token (default: any)
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help           print this and exit
`;

export interface CliOptions {
  help: boolean;
  port: number;
  host: string;
  logLevel: string;
  config: StandinConfigPatch;
}

const NUMERIC: Record<string, keyof StandinConfigPatch> = {
  rate429: 'rate429',
  rate5xx: 'rate5xx',
  'latency-ms': 'latencyMs',
  'retry-after-ms': 'retryAfterMs',
  tpm: 'tpm',
  rpm: 'rpm',
  seed: 'seed',
};

/** Parses the command line; throws with a message naming the bad option. */
export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      port: { type: 'string', default: '15100' },
      host: { type: 'string', default: '127.0.0.1' },
      'api-key': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      ...Object.fromEntries(Object.keys(NUMERIC).map((name) => [name, { type: 'string' as const }])),
    },
  });
  const config: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(NUMERIC)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (typeof raw === 'string') config[field] = toNumber(flag, raw);
  }
  if (typeof values['api-key'] === 'string') config['apiKey'] = values['api-key'];
  return {
    help: values.help === true,
    port: toNumber('port', String(values.port)),
    host: String(values.host),
    logLevel: String(values['log-level']),
    config: config as StandinConfigPatch,
  };
}

function toNumber(flag: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag}: expected a number, got ${JSON.stringify(raw)}`);
  return n;
}
