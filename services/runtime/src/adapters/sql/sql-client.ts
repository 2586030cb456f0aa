/** The rows a query returned. */
export interface SqlResult<R> {
  rows: R[];
}

/**
 * The little of a PostgreSQL client the repository needs, so PGlite (local
 * mode, tests) and `pg` (production) run the very same SQL.
 *
 * - `query(text, params)` with params runs one statement (extended protocol).
 *   Without params it may hold several statements (simple protocol, as
 *   migration files do); the rows are those of the last statement.
 * - `transaction(fn)` runs `fn` in BEGIN … COMMIT, ROLLBACK when it throws.
 *   Calling `transaction` on the `tx` it hands out joins the same transaction.
 * - Values: uuid/text as strings, int4 as numbers, bytea as Buffer or
 *   Uint8Array, timestamptz as Date; pass JSON as text and cast it in SQL.
 */
export interface SqlClient {
  query<R>(text: string, params?: unknown[]): Promise<SqlResult<R>>;
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The logger methods the SQL adapters call (a pino Logger fits). */
export interface SqlLogger {
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
