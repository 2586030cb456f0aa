// The PostgreSQL DocumentRepository: `@docpipe/runtime/postgres`, a subpath so local mode never loads pg.
export { PostgresConfig, postgresOptions } from './config.js';
export { createPgClient, sslOptions, type PgClientOptions, type PgLogger, type PgSslMode } from './pg-client.js';
export { openPostgresRepository, type PostgresRepositoryOptions } from './repository.js';
