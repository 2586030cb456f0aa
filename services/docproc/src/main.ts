import { Topics } from '@docpipe/contracts';
import { createRegistry, ensureTopicsIfAsked, runMain, startOpsServer } from '@docpipe/runtime';
import { kafkaOptionsFromConfig, openKafkaEventBus } from '@docpipe/runtime/kafka';
import { createS3ObjectStore, s3StoreOptions } from '@docpipe/runtime/s3';
import { DOCPROC_MAIN_HELP, DocprocMainConfig, loadDocprocMainConfig } from './main-config.js';
import { startDocproc } from './service.js';

const TOPICS = [Topics.documentsRaw, Topics.chunksProcessed, Topics.documentsDlq];

await runMain({
  name: 'docpipe-docproc',
  summary: 'documents.raw → fetch from S3, extract, chunk → chunks.processed.',
  command: 'npx node services/docproc/dist/main.js',
  schema: DocprocMainConfig,
  help: DOCPROC_MAIN_HELP,
  load: loadDocprocMainConfig,
  async start(config, logger, parts) {
    const registry = createRegistry('docproc');
    const bus = await openKafkaEventBus(kafkaOptionsFromConfig(config, logger));
    parts.add('kafka', () => bus.close());
    await ensureTopicsIfAsked(bus, config, TOPICS);
    const store = createS3ObjectStore({ ...s3StoreOptions(config), logger: logger.child({ component: 's3' }) });
    const checks = { bus: () => bus.ping(), objectStore: () => store.ping() };
    const ops = await startOpsServer({ host: config.OPS_HOST, port: config.OPS_PORT, logger, registry, checks });
    parts.add('ops server', () => ops.stop());
    const worker = await startDocproc({ bus, store, logger, config, registry });
    parts.add('docproc', () => worker.stop());
  },
});
