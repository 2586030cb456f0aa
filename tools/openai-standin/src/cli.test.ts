import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';
import { initialConfig } from './config.js';

describe('parseCli', () => {
  it('reads faults and budgets into a config change', () => {
    const cli = parseCli(['--port', '0', '--rate429', '0.3', '--rate5xx', '0.1', '--latency-ms', '20', '--tpm', '1000000', '--seed', '7', '--api-key', 'sk-x']);
    expect(cli).toMatchObject({ help: false, port: 0, host: '127.0.0.1' });
    expect(initialConfig(cli.config)).toMatchObject({ rate429: 0.3, rate5xx: 0.1, latencyMs: 20, tpm: 1_000_000, rpm: null, seed: 7, apiKey: 'sk-x' });
  });

  it('defaults to port 15100 and knows --help', () => {
    expect(parseCli([])).toMatchObject({ port: 15100, help: false, config: {} });
    expect(parseCli(['-h']).help).toBe(true);
  });

  it('names the bad option', () => {
    expect(() => parseCli(['--rate429', 'lots'])).toThrow(/--rate429: expected a number/);
    expect(() => parseCli(['--nope'])).toThrow(/nope/);
    expect(() => initialConfig(parseCli(['--rate429', '3']).config)).toThrow(/rate429/);
  });
});
