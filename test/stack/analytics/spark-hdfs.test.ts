// The daily Spark job reading the archive from a real HDFS (scripts/hdfs.sh's
// single-node cluster) through hdfs://, with the Hadoop client bundled in pyspark.
//   DOCPIPE_STACK_COMPONENTS='hdfs spark' npx vitest run --config vitest.stack.config.ts test/stack/analytics/spark-hdfs.test.ts
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EXPECTED_DAY_MALFORMED, EXPECTED_DAY_ROWS, FIXTURE_DAY, partitionDirectory, readPartitionRows, runReport, writeFixtureArchive } from '@docpipe/analytics';
import { createLogger } from '@docpipe/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv, webhdfsUrl } from '../env.js';
import { describeRun, runSparkJob, summaryOf } from './spark-job.js';

async function ok(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/**
 * The data step of CREATE with node:http: the DataNode answers `100 Continue`
 * unasked before its 201, which fetch (undici) takes for a bad response.
 */
async function putData(location: string, body: Buffer): Promise<void> {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(location, { method: 'PUT', headers: { 'content-length': body.length } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
  if (status !== 201) throw new Error(`WebHDFS write to ${location}: HTTP ${status}`);
}

/** Copies every file under `localDir` to `hdfsDir` (WebHDFS CREATE: the NameNode names a DataNode, which takes the bytes). */
async function upload(localDir: string, hdfsDir: string): Promise<void> {
  for (const entry of await readdir(localDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath, entry.name);
    const target = `${hdfsDir}/${relative(localDir, file)}`;
    const created = await ok(await fetch(webhdfsUrl(target, 'CREATE', { overwrite: 'true', noredirect: 'true' }), { method: 'PUT' }), `CREATE ${target}`);
    const { Location } = (await created.json()) as { Location: string };
    await putData(Location, await readFile(file));
  }
}

describe('the daily Spark job on HDFS', { timeout: 300_000 }, () => {
  // A directory of its own: other suites use the same cluster.
  const base = `/docpipe-spark-${randomBytes(4).toString('hex')}`;
  let root: string;
  let local: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'docpipe-spark-hdfs-'));
    local = join(root, 'topics');
    await writeFixtureArchive(local);
    await upload(local, `${base}/topics`);
  });
  afterAll(async () => {
    await fetch(webhdfsUrl(base, 'DELETE', { recursive: 'true' }), { method: 'DELETE' }).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('reads hdfs:// and writes the same rows as from local disk, and as the DuckDB report', async () => {
    const output = join(root, 'spark-out');
    const job = await runSparkJob({ archive: `${stackEnv('HDFS_URL')}${base}/topics`, output: `file://${output}`, date: FIXTURE_DAY.iso, cwd: root });
    expect(job.exitCode, describeRun(job)).toBe(0);
    expect(summaryOf(job)).toBe(`day=2025-01-05 rows=${EXPECTED_DAY_ROWS.length} malformed=${EXPECTED_DAY_MALFORMED}`);
    expect(await readPartitionRows(partitionDirectory(output, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);

    const reports = join(root, 'duckdb-out');
    await runReport({ archive: local, output: reports, day: FIXTURE_DAY }, createLogger({ name: 'report', level: 'silent' }));
    expect(await readPartitionRows(partitionDirectory(reports, FIXTURE_DAY))).toEqual(EXPECTED_DAY_ROWS);
  });
});
