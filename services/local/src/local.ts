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
} from '@docpipe/runtime';
import { loadLocalConfig, type LocalSettings } from './config.js';

/** Where local mode archives the topics (the topics dir of the HDFS sink's layout), under the data directory. */
export const ARCHIVE_TOPICS_DIR = join('archive', 'topics');

/** The bucket every local-mode object lives in, under `<data>/objects`. */
export const LOCAL_BUCKET = 'docpipe-local';

export interface LocalOptions {
  /** Read instead of the process environment (tests). */
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

/** What has been started so far, to be stopped in reverse order. */
type StopStack = { name: string; stop: () => Promise<void> }[];

/**
 * Runs the whole pipeline in this process on embedded adapters kept under one
 * data directory: the archive writer and the window counter (the stand-ins of
 * MSK Connect's HDFS sink and of the Flink job), ingest, docproc, embedding
 * (local embedder) and the gateway, started in that order. Everything persists there, so a document accepted
 * before stop() finishes after the next start on the same directory.
 */
export async function startLocal(opts: LocalOptions = {}): Promise<LocalMode> {
  const settings = loadLocalConfig(opts.env);
  const dataDir = resolve(opts.dataDir ?? settings.local.DOCPIPE_DATA_DIR);
  const port = opts.port ?? settings.local.PORT;
  const logger = opts.logger ?? createLogger({ name: 'docpipe-local', level: settings.local.LOG_LEVEL, format: settings.local.LOG_FORMAT });
  const stack: StopStack = [];
  try {
    await mkdir(dataDir, { recursive: true });
    const adapters = await openAdapters(dataDir, logger, stack);
    const registry = createRegistry('docpipe-local');
    const url = await startServices({ settings, adapters, logger, registry, port, dataDir }, stack);
    logger.debug({ url, dataDir }, 'local mode started');
    return { url, dataDir, registry, ...adapters, stop: () => unwind(stack, logger) };
  } catch (err) {
    await unwind(stack, logger);
    throw err;
  }
}

async function openAdapters(dataDir: string, logger: Logger, stack: StopStack): Promise<Adapters> {
  const bus = await openEmbeddedEventBus({ dir: join(dataDir, 'bus'), logger });
  stack.push({ name: 'bus', stop: () => bus.close() });
  const store = await openLocalObjectStore({ dir: join(dataDir, 'objects'), bucket: LOCAL_BUCKET });
  const repo = await openPgliteRepository({ dataDir: join(dataDir, 'db') });
  stack.push({ name: 'database', stop: () => repo.close() });
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
async function startServices(w: ServiceWiring, stack: StopStack): Promise<string> {
  const { settings, logger, registry } = w;
  const { bus, store, repo } = w.adapters;
  // First, so they stop last: the pipeline stops at once, then they write out what they hold.
  await startAnalytics(w, stack);
  const ingest = await startIngest({ repo, store, bus, logger, config: settings.ingest, registry });
  stack.push({ name: 'ingest', stop: () => ingest.stop() });
  const docproc = await startDocproc({ bus, store, logger, config: settings.docproc, registry });
  stack.push({ name: 'docproc', stop: () => docproc.stop() });
  // The embedder's own model name goes on embeddings.ready: these vectors are not OpenAI's.
  const embedder = new LocalEmbedder({ dimensions: settings.local.EMBEDDING_DIMENSIONS });
  const embedding = await startEmbedding({ bus, embedder, logger, config: settings.embedding, registry });
  stack.push({ name: 'embedding', stop: () => embedding.stop() });
  const gatewayConfig = { ...settings.gateway, PORT: w.port, INGEST_URL: ingest.url };
  const gateway = await startGateway({ config: gatewayConfig, logger, registry });
  stack.push({ name: 'gateway', stop: () => gateway.stop() });
  return gateway.url;
}

/** The archive writer and the window counter, on the same embedded bus. */
async function startAnalytics(w: ServiceWiring, stack: StopStack): Promise<void> {
  const { local } = w.settings;
  const { bus } = w.adapters;
  const archive = await startArchiveWriter({
    bus,
    store: new LocalArchiveStore(join(w.dataDir, ARCHIVE_TOPICS_DIR)),
    logger: w.logger.child({ component: 'archive' }),
    ...archiveWriterSettings(local),
  });
  stack.push({ name: 'archive writer', stop: () => archive.stop() });
  const windows = await startWindowCounter({ bus, logger: w.logger, config: local, registry: w.registry });
  stack.push({ name: 'window counter', stop: () => windows.stop() });
}

/** Stops everything started, newest first; keeps going past a failure and rethrows the first one. */
async function unwind(stack: StopStack, logger: Logger): Promise<void> {
  let first: unknown;
  for (let step = stack.pop(); step; step = stack.pop()) {
    try {
      await step.stop();
      logger.debug({ step: step.name }, 'stopped');
    } catch (err) {
      logger.error({ step: step.name, err }, 'stop failed');
      first ??= err;
    }
  }
  if (first !== undefined) throw new Error('local mode did not stop cleanly', { cause: first });
}
