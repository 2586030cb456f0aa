import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, loadMigrations, migrate } from './migrate.js';
import { pgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

describe('migrations', () => {
  let client: SqlClient;
  beforeEach(async () => {
    client = pgliteClient(await PGlite.create());
  });
  afterEach(async () => {
    await client.close();
  });

  it('finds services/runtime/migrations from the module file, in order', async () => {
    expect(MIGRATIONS_DIR.pathname).toMatch(/\/services\/runtime\/migrations\/$/);
    const migrations = await loadMigrations();
    expect(migrations[0]?.version).toBe('0001_documents.sql');
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort());
  });

  it('applies every migration once; a second run is a no-op', async () => {
    const all = (await loadMigrations()).map((m) => m.version);
    expect(await migrate(client)).toEqual(all);
    expect(await migrate(client)).toEqual([]);
    const recorded = await client.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version', []);
    expect(recorded.rows.map((r) => r.version)).toEqual(all);
    const tables = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      [],
    );
    expect(tables.rows.map((r) => r.name)).toEqual(['document_chunks', 'documents', 'outbox', 'schema_migrations']);
  });

  it('lets two concurrent runs both succeed, applying each migration once', async () => {
    const [a, b] = await Promise.all([migrate(client), migrate(client)]);
    const all = (await loadMigrations()).map((m) => m.version);
    expect([...a, ...b].sort()).toEqual(all);
    const recorded = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations', []);
    expect(recorded.rows[0]?.n).toBe(all.length);
  });

  it('rolls back a failing migration entirely and records nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'docpipe-migrations-'));
    try {
      await writeFile(join(dir, '0001_ok.sql'), 'CREATE TABLE a (x int);');
      await writeFile(join(dir, '0002_broken.sql'), 'CREATE TABLE b (x int); SELECT no_such_function();');
      const url = pathToFileURL(`${dir}/`);
      await expect(migrate(client, { dir: url })).rejects.toThrow(/no_such_function/);
      const tables = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'",
        [],
      );
      expect(tables.rows[0]?.n).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes a PostgreSQL advisory lock, which PGlite supports', async () => {
    const held = await client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', ['42']);
      return tx.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'", []);
    });
    expect(held.rows[0]?.n).toBe(1);
  });
});
