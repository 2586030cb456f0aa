import { listen, type DocumentRepository, type EventBus, type HttpService, type Logger, type ObjectStore, type Registry, type Service } from '@docpipe/runtime';
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
    const url = await listen(app, config.HOST, config.PORT);
    started.push({ stop: () => app.close() });
    logger.info({ url }, 'ingest listening');
    return { url, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
