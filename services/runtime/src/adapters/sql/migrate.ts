import { readdir, readFile } from 'node:fs/promises';
import type { SqlClient, SqlLogger } from './sql-client.js';

/**
 * services/runtime/migrations/. src/adapters/sql and dist/adapters/sql sit at
 * the same depth, so one relative URL serves vitest (sources) and node (build).
 */
export const MIGRATIONS_DIR = new URL('../../../migrations/', import.meta.url);

/**
 * The advisory lock every replica takes before migrating, so migrations are
 * applied once even when several start together. Any fixed 64-bit value does;
 * this one is "docpipe" in ASCII.
 */
export const MIGRATION_LOCK_KEY = '28269970549469285';

const MIGRATION_FILE = /^(\d{4})_[\w-]+\.sql$/;

export interface Migration {
  /** The file name, e.g. `0001_documents.sql`; recorded in schema_migrations. */
  version: string;
  sql: string;
}

export interface MigrateOptions {
  /** Defaults to MIGRATIONS_DIR. */
  dir?: URL;
  logger?: SqlLogger;
}

/** Reads the migration files of `dir`, in the order of their numeric prefix. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => MIGRATION_FILE.test(name)).sort();
  assertUniquePrefixes(names);
  return Promise.all(names.map(async (version) => ({ version, sql: await readFile(new URL(version, dir), 'utf8') })));
}

function assertUniquePrefixes(names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    const prefix = name.slice(0, 4);
    if (seen.has(prefix)) throw new Error(`two migrations share the number ${prefix}`);
    seen.add(prefix);
  }
}

/**
 * Applies the migrations not yet recorded in schema_migrations, each exactly
 * once, in one transaction that holds the migration advisory lock; returns the
 * versions it applied.
 */
export async function migrate(client: SqlClient, options: MigrateOptions = {}): Promise<string[]> {
  const migrations = await loadMigrations(options.dir);
  const applied = await client.transaction(async (tx) => {
    // Taken first: concurrent CREATE TABLE IF NOT EXISTS can itself collide on PostgreSQL.
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version    text        PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
      [],
    );
    const done = await tx.query<{ version: string }>('SELECT version FROM schema_migrations', []);
    const pending = migrations.filter((m) => !done.rows.some((row) => row.version === m.version));
    for (const migration of pending) {
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
    }
    return pending.map((m) => m.version);
  });
  if (applied.length > 0) options.logger?.info({ applied }, 'database migrated');
  else options.logger?.debug({}, 'database schema up to date');
  return applied;
}
