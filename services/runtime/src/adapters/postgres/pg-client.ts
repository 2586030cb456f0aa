import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { SqlClient, SqlLogger, SqlResult } from '../sql/sql-client.js';

/** How the connection is secured: none, encrypted only, or encrypted with the server's certificate and name checked. */
export type PgSslMode = 'none' | 'require' | 'verify-full';

/** The logger methods the pg client calls (a pino Logger fits). */
export interface PgLogger extends SqlLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface PgClientOptions {
  connectionString: string;
  /** Connections in the pool. Default 10. */
  max?: number;
  /** Default `none`; an `sslmode` in the connection string takes precedence (pg's rule). */
  ssl?: PgSslMode;
  /** Extra CA certificates (PEM) for `verify-full`, e.g. the RDS bundle. */
  ca?: string;
  /** Shown in pg_stat_activity. Default `docpipe`. */
  applicationName?: string;
  /** How long to wait for a connection before failing. Default 10 s. */
  connectionTimeoutMillis?: number;
  logger?: PgLogger;
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** pg's `ssl` option for a mode; `require` means encrypted but unverified, as in libpq. */
export function sslOptions(mode: PgSslMode = 'none', ca?: string): false | ConnectionOptions {
  if (mode === 'none') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  return ca ? { rejectUnauthorized: true, ca } : { rejectUnauthorized: true };
}

async function run<R>(db: Queryable, text: string, params?: unknown[]): Promise<SqlResult<R>> {
  // Without values pg speaks the simple protocol, which allows several statements
  // (migration files) and then answers with one result per statement.
  const result = (await db.query(text, params)) as pg.QueryResult | pg.QueryResult[];
  const last = Array.isArray(result) ? result.at(-1) : result;
  return { rows: (last?.rows ?? []) as R[] };
}

function transactionClient(conn: pg.PoolClient): SqlClient {
  const client: SqlClient = {
    query: (text, params) => run(conn, text, params),
    // A nested call joins the open transaction, as the PGlite client does.
    transaction: (fn) => fn(client),
    close: () => Promise.reject(new Error('cannot close the pool from inside a transaction')),
  };
  return client;
}

async function inTransaction<T>(pool: pg.Pool, fn: (tx: SqlClient) => Promise<T>, logger?: PgLogger): Promise<T> {
  const conn = await pool.connect();
  // A checked-out connection has no pool listener: without ours, a server-side
  // disconnect between two statements would be an uncaught 'error'.
  const onError = (err: Error) => logger?.warn({ err }, 'PostgreSQL connection failed during a transaction');
  conn.on('error', onError);
  let broken: Error | undefined;
  try {
    await conn.query('BEGIN');
    const result = await fn(transactionClient(conn));
    await conn.query('COMMIT');
    return result;
  } catch (err) {
    await conn.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw err;
  } finally {
    conn.off('error', onError);
    // A connection that could not roll back is in an unknown state: destroy it rather than reuse it.
    conn.release(broken);
  }
}

/** A SqlClient over a pg.Pool: the same SQL and migrations as PGlite, on real PostgreSQL. */
export function createPgClient(opts: PgClientOptions): SqlClient {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    ssl: sslOptions(opts.ssl, opts.ca),
    application_name: opts.applicationName ?? 'docpipe',
    connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
  });
  // An idle connection that dies (failover, restart) is dropped by the pool; unheard, it would crash the process.
  pool.on('error', (err) => opts.logger?.error({ err }, 'idle PostgreSQL connection failed'));
  let closing: Promise<void> | undefined;
  return {
    query: (text, params) => run(pool, text, params),
    transaction: (fn) => inTransaction(pool, fn, opts.logger),
    close: () => (closing ??= pool.end()),
  };
}
