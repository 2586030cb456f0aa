import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { archiveWriterSettings, LocalArchiveStore, startArchiveWriter, startWindowCounter } from '@docpipe/analytics';
import { startDocproc } from '@docpipe/docproc';
import { startEmbedding } from '@docpipe/embedding';
import { startGateway } from '@docpipe/gateway';
import { startIngest } from '@docpipe/ingest';
import {
  createLogger,
  createRegistry,
  LocalEmbedder,
  openEmbeddedEventBus,
  openLocalObjectStore,
  openPgliteRepository,
  type DocumentRepository,
  type EventBus,
  type HttpService,
  type Logger,
  type ObjectStore,
  type Registry,
  StartedParts,
} from '@docpipe/runtime';
import { loadLocalConfig, type LocalSettings } from './config.js';

/** Where local mode archives the topics (the topics dir of the HDFS sink's layout), under the data directory. */
export const ARCHIVE_TOPICS_DIR = join('archive', 'topics');

/** The bucket every local-mode object lives in, under `<data>/objects`. */
export const LOCAL_BUCKET = 'docpipe-local';

export interface LocalOptions {
  /** The configuration, parsed once by main; when absent it is read from `env`. */
  settings?: LocalSettings;
  /** Read instead of the process environment when `settings` is absent (tests). */
  env?: NodeJS.ProcessEnv;
  /** Overrides DOCPIPE_DATA_DIR. */
  dataDir?: string;
  /** Overrides PORT; 0 picks a free port. */
  port?: number;
  logger?: Logger;
}

/** Local mode running: the gateway's URL, where its state lives, and its adapters (tests read them). */
export interface LocalMode extends HttpService {
  dataDir: string;
  bus: EventBus;
  store: ObjectStore;
  repo: DocumentRepository;
  registry: Registry;
}

interface Adapters {
  bus: EventBus;
  store: ObjectStore;
  repo: DocumentRepository;
}

/**
 * Runs the whole pipeline in this process on embedded adapters kept under one
 * data directory: the archive writer and the window counter (the stand-ins of
 * MSK Connect's HDFS sink and of the Flink job), ingest, docproc, embedding
 * (local embedder) and the gateway, started in that order. Everything persists there, so a document accepted
 * before stop() finishes after the next start on the same directory.
 */
export async function startLocal(opts: LocalOptions = {}): Promise<LocalMode> {
  const settings = opts.settings ?? loadLocalConfig(opts.env);
  const dataDir = resolve(opts.dataDir ?? settings.local.DOCPIPE_DATA_DIR);
  const port = opts.port ?? settings.local.PORT;
  const logger = opts.logger ?? createLogger({ name: 'docpipe-local', level: settings.local.LOG_LEVEL, format: settings.local.LOG_FORMAT });
  const parts = new StartedParts();
  try {
    await mkdir(dataDir, { recursive: true });
    const adapters = await openAdapters(dataDir, logger, parts);
    const registry = createRegistry('docpipe-local');
    const url = await startServices({ settings, adapters, logger, registry, port, dataDir }, parts);
    logger.debug({ url, dataDir }, 'local mode started');
    return { url, dataDir, registry, ...adapters, stop: () => stopAll(parts, logger) };
  } catch (err) {
    await parts.unwind(logger);
    throw err;
  }
}

/** Stops everything started, newest first, going on past a failure; then rejects with the first one. */
async function stopAll(parts: StartedParts, logger: Logger): Promise<void> {
  const failed = await parts.unwind(logger);
  if (failed !== undefined) throw new Error('local mode did not stop cleanly', { cause: failed });
}

async function openAdapters(dataDir: string, logger: Logger, parts: StartedParts): Promise<Adapters> {
  const bus = await openEmbeddedEventBus({ dir: join(dataDir, 'bus'), logger });
  parts.add('bus', () => bus.close());
  const store = await openLocalObjectStore({ dir: join(dataDir, 'objects'), bucket: LOCAL_BUCKET });
  const repo = await openPgliteRepository({ dataDir: join(dataDir, 'db') });
  parts.add('database', () => repo.close());
  return { bus, store, repo };
}

interface ServiceWiring {
  settings: LocalSettings;
  adapters: Adapters;
  logger: Logger;
  registry: Registry;
  port: number;
  dataDir: string;
}

/** Starts the services in dependency order; returns the gateway's URL. */
async function startServices(w: ServiceWiring, parts: StartedParts): Promise<string> {
  const { settings, logger, registry } = w;
  const { bus, store, repo } = w.adapters;
  // First, so they stop last: the pipeline stops at once, then they write out what they hold.
  await startAnalytics(w, parts);
  const ingest = await startIngest({ repo, store, bus, logger, config: settings.ingest, registry });
  parts.add('ingest', () => ingest.stop());
  const docproc = await startDocproc({ bus, store, logger, config: settings.docproc, registry });
  parts.add('docproc', () => docproc.stop());
  // The embedder's own model name goes on embeddings.ready: these vectors are not OpenAI's.
  const embedder = new LocalEmbedder({ dimensions: settings.local.EMBEDDING_DIMENSIONS });
  const embedding = await startEmbedding({ bus, embedder, logger, config: settings.embedding, registry });
  parts.add('embedding', () => embedding.stop());
  const gatewayConfig = { ...settings.gateway, PORT: w.port, INGEST_URL: ingest.url };
  const gateway = await startGateway({ config: gatewayConfig, logger, registry });
  parts.add('gateway', () => gateway.stop());
  return gateway.url;
}

/** The archive writer and the window counter, on the same embedded bus. */
async function startAnalytics(w: ServiceWiring, parts: StartedParts): Promise<void> {
  const { local } = w.settings;
  const { bus } = w.adapters;
  const archive = await startArchiveWriter({
    bus,
    store: new LocalArchiveStore(join(w.dataDir, ARCHIVE_TOPICS_DIR)),
    logger: w.logger.child({ component: 'archive' }),
    ...archiveWriterSettings(local),
  });
  parts.add('archive writer', () => archive.stop());
  const windows = await startWindowCounter({ bus, logger: w.logger, config: local, registry: w.registry });
  parts.add('window counter', () => windows.stop());
}
