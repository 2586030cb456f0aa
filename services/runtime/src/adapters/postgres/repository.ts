import { SqlDocumentRepository } from '../sql/document-repository.js';
import { createPgClient, type PgClientOptions } from './pg-client.js';

export interface PostgresRepositoryOptions extends PgClientOptions {
  /** Where the migration files are; services/runtime/migrations/ by default. */
  migrationsDir?: URL;
}

/**
 * Connects to PostgreSQL, applies pending migrations (under an advisory lock,
 * so replicas starting together are safe) and returns the repository.
 */
export async function openPostgresRepository(opts: PostgresRepositoryOptions): Promise<SqlDocumentRepository> {
  const repository = new SqlDocumentRepository(createPgClient(opts), {
    logger: opts.logger,
    migrationsDir: opts.migrationsDir,
  });
  try {
    await repository.migrate();
  } catch (err) {
    await repository.close();
    throw new Error('could not migrate the PostgreSQL database', { cause: err });
  }
  return repository;
}
