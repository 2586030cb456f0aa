import { Topics } from '@docpipe/contracts';
import { createRegistry, ensureTopicsIfAsked, LocalEmbedder, runMain, startOpsServer, type Embedder, type Logger } from '@docpipe/runtime';
import { kafkaOptionsFromConfig, openKafkaEventBus } from '@docpipe/runtime/kafka';
import { OpenAiEmbedder } from '@docpipe/runtime/openai';
import { EMBEDDING_MAIN_HELP, EmbeddingMainConfig, loadEmbeddingMainConfig, openAiOptionsOf } from './main-config.js';
import { startEmbedding } from './service.js';

const TOPICS = [Topics.chunksProcessed, Topics.embeddingsReady, Topics.documentsDlq];

/** The embedder EMBEDDER names. */
function embedderOf(config: EmbeddingMainConfig, logger: Logger): Embedder {
  if (config.EMBEDDER === 'local') return new LocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS });
  return new OpenAiEmbedder(openAiOptionsOf(config, logger.child({ component: 'openai' })));
}

await runMain({
  name: 'docpipe-embedding',
  summary: 'chunks.processed → batched embeddings (OpenAI or local) → embeddings.ready.',
  command: 'npx node services/embedding/dist/main.js',
  schema: EmbeddingMainConfig,
  help: EMBEDDING_MAIN_HELP,
  load: loadEmbeddingMainConfig,
  async start(config, logger, parts) {
    const registry = createRegistry('embedding');
    const bus = await openKafkaEventBus(kafkaOptionsFromConfig(config, logger));
    parts.add('kafka', () => bus.close());
    await ensureTopicsIfAsked(bus, config, TOPICS);
    const ops = await startOpsServer({ host: config.OPS_HOST, port: config.OPS_PORT, logger, registry, checks: { bus: () => bus.ping() } });
    parts.add('ops server', () => ops.stop());
    const worker = await startEmbedding({ bus, embedder: embedderOf(config, logger), logger, config, registry });
    parts.add('embedding', () => worker.stop());
  },
});
