import { listen, type HttpService, type Logger, type Registry } from '@docpipe/runtime';
import { buildGatewayApp } from './app.js';
import type { GatewayConfig } from './config.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
}

/** Starts the gateway on HOST:PORT (PORT 0 picks a free port; `url` tells which). */
export async function startGateway(deps: GatewayDeps): Promise<HttpService> {
  const app = await buildGatewayApp(deps);
  const url = await listen(app, deps.config.HOST, deps.config.PORT);
  deps.logger.info({ url, ingest: deps.config.INGEST_URL }, 'gateway listening');
  return { url, stop: () => app.close() };
}
