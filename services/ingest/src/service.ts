import type { AddressInfo } from 'node:net';
import type { DocumentRepository, EventBus, HttpService, Logger, ObjectStore, Registry, Service } from '@docpipe/runtime';
import { buildIngestApp } from './app.js';
import type { IngestConfig } from './config.js';
import { startOutboxRelay } from './outbox-relay.js';
import { startStatusConsumer } from './status-consumer.js';

export interface IngestDeps {
  repo: DocumentRepository;
  store: ObjectStore;
  bus: EventBus;
  logger: Logger;
  config: IngestConfig;
  registry: Registry;
}

/** The URL a listening server is reachable at; a wildcard address is reached over loopback. */
export function listeningUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  if (wildcard) return `http://${address.family === 'IPv6' ? '[::1]' : '127.0.0.1'}:${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Starts ingest: the outbox relay, the status consumer, then the HTTP API on
 * HOST:PORT (PORT 0 picks a free port; `url` tells which). `stop()` undoes
 * it in reverse: no new uploads, then no more consuming, then the last relay.
 */
export async function startIngest(deps: IngestDeps): Promise<HttpService> {
  const { repo, bus, logger, config } = deps;
  const started: Service[] = [];
  let stopping: Promise<void> | null = null;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const service of [...started].reverse()) await service.stop();
    })();
    return stopping;
  };
  try {
    const relay = startOutboxRelay({ repo, bus, logger, config });
    started.push(relay);
    started.push(await startStatusConsumer({ repo, bus, logger }));
    const app = await buildIngestApp({ ...deps, onUploaded: () => relay.kick(), checks: { bus: () => bus.ping() } });
    started.push({ stop: () => app.close() });
    await app.listen({ host: config.HOST, port: config.PORT });
    const url = listeningUrl(app.server.address() as AddressInfo);
    logger.info({ url }, 'ingest listening');
    return { url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
