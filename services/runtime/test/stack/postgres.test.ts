import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chunkId } from '@docpipe/contracts';
import type { ChunkProgress, OutboxMessage } from '@docpipe/runtime';
import { SqlDocumentRepository, loadMigrations, migrate, type SqlClient } from '@docpipe/runtime';
import { PostgresConfig, createPgClient, openPostgresRepository, postgresOptions, type PgLogger } from '@docpipe/runtime/postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { create, describeRepository } from '../../src/adapters/sql/document-repository.cases.js';
import { stackEnv } from '../../../../test/stack/env.js';

const baseUrl = stackEnv('DATABASE_URL');

/** The server's URL with another database name. */
function databaseUrl(name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A logger that keeps what it was told, so tests can wait for a warning. */
function recordingLogger() {
  const entries: { level: string; obj: object; msg?: string }[] = [];
  let notify: () => void = () => {};
  const log = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, obj, msg });
    notify();
  };
  const logger: PgLogger = { info: log('info'), debug: log('debug'), warn: log('warn'), error: log('error') };
  /** Resolves once an entry of `level` was logged. */
  const next = (level: string) =>
    new Promise<void>((resolve) => {
      const check = () => entries.some((e) => e.level === level) && resolve();
      notify = check;
      check();
    });
  return { logger, entries, next };
}

function chunks(documentId: string, count: number, indexes: number[]): ChunkProgress[] {
  return indexes.map((i) => ({ document_id: documentId, chunk_id: chunkId(documentId, i), chunk_index: i, chunk_count: count }));
}

describe('PostgreSQL adapter', () => {
  const db = `docpipe_test_${randomBytes(6).toString('hex')}`;
  const databases = [db, `${db}_migrate`, `${db}_broken`];
  let admin: SqlClient;

  beforeAll(async () => {
    admin = createPgClient({ connectionString: baseUrl!, max: 2 });
    for (const name of databases) await admin.query(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });

  describeRepository('PostgreSQL', async () => {
    const client = createPgClient({ connectionString: databaseUrl(db), max: 4 });
    const repo = new SqlDocumentRepository(client);
    await repo.migrate();
    return { repo, client };
  });

  describe('createPgClient', () => {
    let client: SqlClient;
    beforeAll(() => {
      client = createPgClient({ connectionString: databaseUrl(db), max: 1 });
    });
    afterAll(() => client.close());

    it('runs several statements without params and returns the rows of the last', async () => {
      const result = await client.query<{ n: number }>('CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1), (2); SELECT sum(x)::int AS n FROM t');
      expect(result.rows).toEqual([{ n: 3 }]);
    });

    it('hands back the value types the repository relies on', async () => {
      const { rows } = await client.query<{ u: string; i: number; b: Buffer; t: Date }>(
        "SELECT gen_random_uuid() AS u, 7::int4 AS i, '\\x0102'::bytea AS b, now() AS t",
        [],
      );
      expect(typeof rows[0]?.u).toBe('string');
      expect(rows[0]?.i).toBe(7);
      expect(Buffer.isBuffer(rows[0]?.b) && rows[0].b.equals(Buffer.from([1, 2]))).toBe(true);
      expect(rows[0]?.t).toBeInstanceOf(Date);
    });

    it('commits a transaction, joins a nested one, and rolls everything back on error', async () => {
      await client.query('CREATE TABLE IF NOT EXISTS tx_probe (x int)', []);
      await client.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (1)', []);
        await tx.transaction((inner) => inner.query('INSERT INTO tx_probe VALUES (2)', []));
      });
      const failing = client.transaction(async (tx) => {
        await tx.transaction((inner) => inner.query('INSERT INTO tx_probe VALUES (3)', []));
        throw new Error('changed my mind');
      });
      await expect(failing).rejects.toThrow('changed my mind');
      const { rows } = await client.query<{ x: number }>('SELECT x FROM tx_probe ORDER BY x', []);
      expect(rows.map((r) => r.x)).toEqual([1, 2]);
    });

    it('returns the connection after a failed transaction (a pool of one still works)', async () => {
      await expect(client.transaction((tx) => tx.query('SELECT no_such_column FROM pg_class', []))).rejects.toThrow(/no_such_column/);
      expect((await client.query<{ one: number }>('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
    });

    it('refuses to close the pool from inside a transaction', async () => {
      await expect(client.transaction((tx) => tx.close())).rejects.toThrow(/inside a transaction/);
    });
  });

  describe('when the server drops connections', () => {
    it('logs a dropped idle connection instead of crashing, and reconnects', async () => {
      const { logger, next } = recordingLogger();
      const client = createPgClient({ connectionString: databaseUrl(db), max: 1, logger });
      try {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []);
        const logged = next('error');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        await logged;
        const again = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []);
        expect(again.rows[0]?.pid).not.toBe(rows[0]?.pid);
      } finally {
        await client.close();
      }
    });

    it('fails a transaction whose connection dies, discards that connection and serves the next call', async () => {
      const { logger, next } = recordingLogger();
      const client = createPgClient({ connectionString: databaseUrl(db), max: 1, logger });
      try {
        const failing = client.transaction(async (tx) => {
          const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []);
          const warned = next('warn');
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
          // Between two statements nobody awaits the connection: its error must reach our listener, not crash.
          await warned;
          await tx.query('SELECT 1', []);
        });
        await expect(failing).rejects.toThrow();
        expect((await client.query<{ one: number }>('SELECT 1 AS one', [])).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.close();
      }
    });
  });

  describe('concurrency only a server with many connections shows', () => {
    let a: SqlDocumentRepository;
    let b: SqlDocumentRepository;
    let client: SqlClient;
    beforeAll(() => {
      client = createPgClient({ connectionString: databaseUrl(db), max: 2 });
      a = new SqlDocumentRepository(createPgClient({ connectionString: databaseUrl(db), max: 2 }));
      b = new SqlDocumentRepository(createPgClient({ connectionString: databaseUrl(db), max: 2 }));
    });
    beforeEach(async () => {
      await client.query('TRUNCATE documents, document_chunks, outbox', []);
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close(), client.close()]);
    });

    it('five pools migrating one database at once apply each migration exactly once', async () => {
      const pools = Array.from({ length: 5 }, () => createPgClient({ connectionString: databaseUrl(`${db}_migrate`), max: 1 }));
      try {
        const applied = await Promise.all(pools.map((p) => migrate(p)));
        const all = (await loadMigrations()).map((m) => m.version);
        expect(applied.flat().sort()).toEqual(all);
        expect(applied.filter((versions) => versions.length > 0)).toHaveLength(1);
        const recorded = await pools[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations', []);
        expect(recorded.rows[0]?.n).toBe(all.length);
      } finally {
        await Promise.all(pools.map((p) => p.close()));
      }
    });

    it('two relays holding their claims at the same time never publish the same message', async () => {
      for (let i = 0; i < 6; i++) await create(a);
      const published: string[][] = [[], []];
      // Each relay publishes only once the other one has claimed its rows too, so
      // both transactions hold their row locks at the same moment.
      let arrived = 0;
      let release: () => void = () => {};
      const bothClaimed = new Promise<void>((resolve) => (release = resolve));
      const publisher = (i: number) => async (messages: OutboxMessage[]) => {
        published[i]!.push(...messages.map((m) => m.message.key));
        if (++arrived === 2) release();
        await bothClaimed;
      };
      const counts = await Promise.all([a.relayOutbox(3, publisher(0)), b.relayOutbox(3, publisher(1))]);
      expect(counts).toEqual([3, 3]);
      const [first, second] = published;
      expect(first!.filter((key) => second!.includes(key))).toEqual([]);
      expect(new Set([...first!, ...second!]).size).toBe(6);
      expect(await a.relayOutbox(10, async () => expect.fail('nothing left'))).toBe(0);
    });

    it('keeps counts exact when chunks and embeddings of one document are recorded from two connections at once', async () => {
      const docs = [await create(a), await create(a)];
      const n = 40;
      const indexes = [...Array(n).keys()];
      // Batches of 4, every chunk reported twice (redelivery), embeddings in reverse order.
      const batches = (ids: number[]) => Array.from({ length: ids.length / 4 }, (_, k) => ids.slice(k * 4, k * 4 + 4));
      const work = docs.flatMap((doc) => [
        ...[...batches(indexes), ...batches(indexes)].map((batch) => () => a.recordChunks(chunks(doc.document_id, n, batch))),
        ...[...batches([...indexes].reverse()), ...batches(indexes.slice(0, 28))].map(
          (batch) => () => b.recordEmbeddings(chunks(doc.document_id, n, batch)),
        ),
      ]);
      await Promise.all(work.map((w) => w()));
      for (const doc of docs) {
        expect(await a.getDocument('acme', doc.document_id)).toMatchObject({ status: 'embedded', chunks_total: n, chunks_embedded: n });
      }
      const rows = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM document_chunks WHERE chunked AND embedded', []);
      expect(rows.rows[0]?.n).toBe(2 * n);
    });
  });

  describe('openPostgresRepository', () => {
    it('migrates at start and serves the repository', async () => {
      const config = PostgresConfig.parse({ DATABASE_URL: databaseUrl(db), DATABASE_POOL_MAX: '2' });
      const repo = await openPostgresRepository(postgresOptions(config));
      try {
        const doc = await create(repo);
        expect((await repo.getDocument('acme', doc.document_id))?.status).toBe('uploaded');
        expect(await repo.ping()).toBe(true);
      } finally {
        await repo.close();
      }
      expect(await repo.ping()).toBe(false);
      await expect(repo.close()).resolves.toBeUndefined();
    });

    it('closes its pool and explains itself when a migration fails', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'docpipe-pg-migrations-'));
      try {
        await writeFile(join(dir, '0001_broken.sql'), 'CREATE TABLE b (x int); SELECT no_such_function();');
        const open = openPostgresRepository({ connectionString: databaseUrl(`${db}_broken`), migrationsDir: pathToFileURL(`${dir}/`) });
        await expect(open).rejects.toThrow('could not migrate the PostgreSQL database');
        await expect(open).rejects.toHaveProperty('cause.message', expect.stringMatching(/no_such_function/));
        const left = await admin.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [`${db}_broken`],
        );
        expect(left.rows[0]?.n).toBe(0);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
