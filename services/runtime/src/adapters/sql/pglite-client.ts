import { PGlite, type Transaction } from '@electric-sql/pglite';
import { SqlDocumentRepository } from './document-repository.js';
import type { SqlClient, SqlLogger, SqlResult } from './sql-client.js';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

async function run<R>(db: Queryable, text: string, params?: unknown[]): Promise<SqlResult<R>> {
  if (params === undefined) {
    // exec speaks the simple protocol, which allows several statements (migrations).
    const results = await db.exec(text);
    return { rows: (results.at(-1)?.rows ?? []) as R[] };
  }
  const result = await db.query<R>(text, params);
  return { rows: result.rows };
}

function transactionClient(tx: Transaction): SqlClient {
  const client: SqlClient = {
    query: (text, params) => run(tx, text, params),
    // PGlite has one connection and no nested BEGIN: a nested call joins the open transaction.
    transaction: (fn) => fn(client),
    close: () => Promise.reject(new Error('cannot close the database from inside a transaction')),
  };
  return client;
}

/** Wraps a PGlite instance as a SqlClient; closing the client closes the database. */
export function pgliteClient(db: PGlite): SqlClient {
  return {
    query: (text, params) => run(db, text, params),
    transaction: (fn) => db.transaction((tx) => fn(transactionClient(tx))),
    close: () => (db.closed ? Promise.resolve() : db.close()),
  };
}

export interface PgliteRepositoryOptions {
  /** Where the database lives on disk; in memory when undefined. */
  dataDir?: string;
  logger?: SqlLogger;
}

/** Opens (or creates) a PGlite database, applies migrations and returns the repository over it. */
export async function openPgliteRepository(opts: PgliteRepositoryOptions = {}): Promise<SqlDocumentRepository> {
  const db = await PGlite.create(opts.dataDir);
  const repository = new SqlDocumentRepository(pgliteClient(db), { logger: opts.logger });
  try {
    await repository.migrate();
  } catch (err) {
    await repository.close();
    throw new Error('could not migrate the PGlite database', { cause: err });
  }
  return repository;
}
