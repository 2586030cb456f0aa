import type { AddressInfo } from 'node:net';
import type { HttpService, Logger, Registry } from '@docpipe/runtime';
import { buildGatewayApp } from './app.js';
import type { GatewayConfig } from './config.js';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
}

/** The URL a listening server is reachable at; a wildcard address is reached over loopback. */
export function listeningUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  if (wildcard) return `http://${address.family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts the gateway on HOST:PORT (PORT 0 picks a free port; `url` tells which). */
export async function startGateway(deps: GatewayDeps): Promise<HttpService> {
  const app = await buildGatewayApp(deps);
  try {
    await app.listen({ host: deps.config.HOST, port: deps.config.PORT });
  } catch (err) {
    await app.close();
    throw err;
  }
  const url = listeningUrl(app.server.address() as AddressInfo);
  deps.logger.info({ url, ingest: deps.config.INGEST_URL }, 'gateway listening');
  return { url, stop: () => app.close() };
}
