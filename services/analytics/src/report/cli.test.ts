import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportCli } from './cli.js';
import { EXPECTED_DAY_MALFORMED, writeFixtureArchive } from './fixtures.js';
import { readPartitionRows } from './report.js';

function harness(root: string, argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const logs: string[] = [];
  const io = {
    argv,
    env: { DOCPIPE_DATA_DIR: join(root, 'data'), ...env },
    cwd: root,
    now: new Date('2025-01-06T01:00:00Z'),
    stdout: (t: string) => void out.push(t),
    stderr: (t: string) => void err.push(t),
    logs: new Writable({ write: (chunk: Buffer, _enc, done) => { logs.push(String(chunk)); done(); } }),
  };
  return { io, out: () => out.join(''), err: () => err.join(''), logs: () => logs.join('') };
}

describe('reportCli', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'docpipe-report-cli-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports yesterday from $DOCPIPE_DATA_DIR/archive/topics into $DOCPIPE_DATA_DIR/reports, one line on stdout', async () => {
    await writeFixtureArchive(join(root, 'data', 'archive', 'topics'));
    const h = harness(root, []);
    expect(await reportCli(h.io)).toBe(0);
    expect(h.out()).toBe(`day=2025-01-05 rows=3 malformed=${EXPECTED_DAY_MALFORMED}\n`);
    expect(await readPartitionRows(join(root, 'data', 'reports', 'dt=2025-01-05'))).toHaveLength(3);
    expect(h.logs()).toContain('skipped malformed lines');
  });

  it('exits 2 with a clear message on a bad date, writing nothing', async () => {
    const h = harness(root, ['--date', '2025-13-01']);
    expect(await reportCli(h.io)).toBe(2);
    expect(h.err()).toContain('--date must be a calendar date YYYY-MM-DD, got "2025-13-01"');
    expect(h.out()).toBe('');
  });

  it('exits 2 naming a bad variable', async () => {
    const h = harness(root, [], { LOG_LEVEL: 'loud' });
    expect(await reportCli(h.io)).toBe(2);
    expect(h.err()).toContain('LOG_LEVEL');
  });

  it('prints usage for --help', async () => {
    const h = harness(root, ['--help']);
    expect(await reportCli(h.io)).toBe(0);
    expect(h.out()).toContain('npm run report -- [--date YYYY-MM-DD]');
    expect(h.out()).toContain(join(root, 'data', 'reports'));
  });

  it('exits 1 when the output cannot be written', async () => {
    await writeFixtureArchive(join(root, 'data', 'archive', 'topics'));
    await writeFile(join(root, 'not-a-dir'), 'x');
    const h = harness(root, ['--date', '2025-01-05', '--output', join(root, 'not-a-dir', 'reports')]);
    expect(await reportCli(h.io)).toBe(1);
    expect(h.logs()).toContain('report failed');
  });
});
