import { BASE_HELP, type VariableHelp } from '@docpipe/runtime';
import { GatewayConfig } from './config.js';

/** The gateway as its own process: GatewayConfig alone (a proxy has no adapters). */
export const GatewayMainConfig = GatewayConfig;
export type GatewayMainConfig = GatewayConfig;

/** One line of --help per variable of GatewayMainConfig. */
export const GATEWAY_MAIN_HELP: VariableHelp<GatewayMainConfig> = {
  ...BASE_HELP,
  HOST: 'listen address',
  PORT: 'listen port (0: any free port)',
  INGEST_URL: 'where /ingest/* is proxied to',
  MAX_UPLOAD_BYTES: 'largest accepted file (413 above)',
  DEFAULT_COMPANY_ID: 'company of requests without X-Company-ID',
  UPSTREAM_TIMEOUT_MS: 'how long to wait for ingest',
};
