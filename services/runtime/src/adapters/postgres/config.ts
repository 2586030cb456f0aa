import { z } from 'zod';
import type { PgSslMode } from './pg-client.js';
import type { PostgresRepositoryOptions } from './repository.js';

/**
 * The PostgreSQL repository's variables; services merge it with
 * `BaseConfig.extend(PostgresConfig.shape)`. DATABASE_URL may hold the
 * password: it is never logged.
 */
export const PostgresConfig = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  /**
   * none for a database on loopback; RDS wants TLS: `verify-full` checks the
   * certificate and host name against Node's CAs plus NODE_EXTRA_CA_CERTS
   * (point it at the RDS CA bundle); `require` encrypts without checking.
   */
  DATABASE_SSL: z.enum(['none', 'require', 'verify-full'] satisfies PgSslMode[]).default('none'),
});
export type PostgresConfig = z.infer<typeof PostgresConfig>;

/** The options of openPostgresRepository that PostgresConfig determines. */
export function postgresOptions(config: PostgresConfig): PostgresRepositoryOptions {
  return { connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, ssl: config.DATABASE_SSL };
}
