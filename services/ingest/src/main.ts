import { Topics } from '@docpipe/contracts';
import { createRegistry, ensureTopicsIfAsked, runMain } from '@docpipe/runtime';
import { kafkaOptionsFromConfig, openKafkaEventBus } from '@docpipe/runtime/kafka';
import { openPostgresRepository, postgresOptions } from '@docpipe/runtime/postgres';
import { createS3ObjectStore, s3StoreOptions } from '@docpipe/runtime/s3';
import { INGEST_MAIN_HELP, IngestMainConfig, loadIngestMainConfig } from './main-config.js';
import { startIngest } from './service.js';

/** What ingest produces (documents.raw, dead letters) and consumes (the status topics). */
const TOPICS = [Topics.documentsRaw, Topics.chunksProcessed, Topics.embeddingsReady, Topics.documentsDlq];

await runMain({
  name: 'docpipe-ingest',
  summary: 'uploads → S3 + PostgreSQL + documents.raw (transactional outbox); keeps every status exact.',
  command: 'npx node services/ingest/dist/main.js',
  schema: IngestMainConfig,
  help: INGEST_MAIN_HELP,
  load: loadIngestMainConfig,
  async start(config, logger, parts) {
    const bus = await openKafkaEventBus(kafkaOptionsFromConfig(config, logger));
    parts.add('kafka', () => bus.close());
    await ensureTopicsIfAsked(bus, config, TOPICS);
    const store = createS3ObjectStore({ ...s3StoreOptions(config), logger: logger.child({ component: 's3' }) });
    // Applies pending migrations before anything is served.
    const repo = await openPostgresRepository({ ...postgresOptions(config), logger: logger.child({ component: 'postgres' }) });
    parts.add('database', () => repo.close());
    const ingest = await startIngest({ repo, store, bus, logger, config, registry: createRegistry('ingest') });
    parts.add('ingest', () => ingest.stop());
  },
});
