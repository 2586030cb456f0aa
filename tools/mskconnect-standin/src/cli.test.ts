import { describe, expect, it } from 'vitest';
import { parseCli } from './cli.js';

describe('parseCli', () => {
  it('reads the port and per-transition delays, "manual" meaning hook-only', () => {
    expect(parseCli(['--port', '0', '--create-ms', '20', '--delete-ms', 'manual'])).toMatchObject({ port: 0, host: '127.0.0.1', timing: { createMs: 20, deleteMs: null } });
    expect(parseCli([])).toMatchObject({ port: 15200, help: false, timing: {} });
  });

  it('names the bad option', () => {
    expect(() => parseCli(['--create-ms', 'soon'])).toThrow(/--create-ms: expected milliseconds or "manual"/);
    expect(() => parseCli(['--port', '70000'])).toThrow(/--port/);
    expect(() => parseCli(['--nope'])).toThrow(/nope/);
  });
});
