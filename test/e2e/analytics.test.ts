import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Topics, type AnalyticsWindow } from '@docpipe/contracts';
import { parseDay, partitionDirectory, readPartitionRows, runReport } from '@docpipe/analytics';
import { ARCHIVE_TOPICS_DIR } from '@docpipe/local';
import { createLogger, type Subscription } from '@docpipe/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { collectTopic, listFiles, startHarness, until, upload, waitFinal, type Harness } from './helpers.js';

const COMPANY = 'acme-analytics';
const FILE_NAME = /^embeddings\.ready\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/hour=\d{2}\/embeddings\.ready\+\d+\+\d{10}\+\d{10}\.json$/;

function report(sections: number): Buffer {
  const lines = ['# Warehouse notes\n'];
  for (let s = 0; s < sections; s++) {
    lines.push(`\n## Bay ${s}\n\nPallets in bay ${s} were recounted on shift ${s % 3}; ${s * 7 + 1} cartons moved to dock ${s % 5}. `.repeat(12));
  }
  return Buffer.from(lines.join(''));
}

describe('local mode analytics: the archive, the window counter and the daily report', () => {
  let harness: Harness | undefined;
  const subs: Subscription[] = [];
  afterEach(async () => {
    for (const s of subs.splice(0)) await s.stop();
    await harness?.dispose();
    harness = undefined;
  });

  it('archives every embedding once, counts it in a window, and reports it for its day', async () => {
    const first = await startHarness();
    const accepted = await upload(first.local.url, { filename: 'notes.md', body: report(30), company: COMPANY });
    expect(accepted.status).toBe(202);
    const done = await waitFinal(first.local.url, accepted.body.document_id, COMPANY);
    expect(done.status).toBe('embedded');
    const chunks = done.chunks_embedded;
    expect(chunks).toBeGreaterThan(1);
    // A stop writes every archive buffer and emits every open window; the restart must not double either.
    await first.local.stop();
    harness = await startHarness({}, first.dataDir);

    const windows: AnalyticsWindow[] = [];
    subs.push(await collectTopic(harness.local, Topics.analyticsFlink, windows));
    await until(() => windows.reduce((n, w) => n + w.count, 0) >= chunks, 'the windows of every chunk');
    const ours = windows.filter((w) => w.company_id === COMPANY);
    expect(ours.reduce((n, w) => n + w.count, 0)).toBe(chunks);
    for (const w of ours) {
      expect(w.timestamp % 60_000).toBe(0);
      expect(w.window_end - w.timestamp).toBe(60_000);
    }

    const topics = join(harness.dataDir, ARCHIVE_TOPICS_DIR);
    const files = (await listFiles(topics)).filter((f) => f.startsWith('embeddings.ready/'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(FILE_NAME);
    const lines = (await Promise.all(files.map((f) => readFile(join(topics, f), 'utf8')))).flatMap((t) => t.split('\n').filter(Boolean));
    const ids = lines.map((l) => (JSON.parse(l) as { chunk_id: string }).chunk_id);
    expect(new Set(ids).size).toBe(chunks);
    expect(ids).toHaveLength(chunks);

    const [, year, month, dayOfMonth] = FILE_NAME.exec(files[0]!)!;
    const day = parseDay(`${year}-${month}-${dayOfMonth}`);
    const output = join(harness.dataDir, 'reports');
    const result = await runReport({ archive: topics, output, day }, createLogger({ name: 'report', level: 'silent' }));
    expect(result).toMatchObject({ rows: 1, malformed: 0 });
    expect(await readPartitionRows(partitionDirectory(output, day))).toEqual([
      { document_id: accepted.body.document_id, company_id: COMPANY, chunk_count: BigInt(chunks) },
    ]);
  });
});
