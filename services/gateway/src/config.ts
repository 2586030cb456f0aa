import { CompanyId, DEFAULT_COMPANY_ID } from '@docpipe/contracts';
import { BaseConfig, parseConfig } from '@docpipe/runtime';
import { z } from 'zod';

/** The gateway's environment: where it listens, where ingest is, the edge's limits. */
export const GatewayConfig = BaseConfig.extend({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  INGEST_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8081'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(104_857_600),
  DEFAULT_COMPANY_ID: CompanyId.default(DEFAULT_COMPANY_ID),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Reads the gateway's configuration from `env`; throws ConfigError naming every bad variable. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(GatewayConfig, env);
}
