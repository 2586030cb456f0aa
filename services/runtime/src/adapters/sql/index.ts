// The SQL DocumentRepository: one implementation over PGlite (local) and pg (production).
export type { SqlClient, SqlLogger, SqlResult } from './sql-client.js';
export { MIGRATIONS_DIR, MIGRATION_LOCK_KEY, loadMigrations, migrate, type Migration, type MigrateOptions } from './migrate.js';
export { InvalidCursorError } from './cursor.js';
export { MAX_PAGE_SIZE } from './document-reads.js';
export { SqlDocumentRepository, type SqlDocumentRepositoryOptions } from './document-repository.js';
export { openPgliteRepository, pgliteClient, type PgliteRepositoryOptions } from './pglite-client.js';
