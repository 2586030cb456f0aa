/** The Kafka topics of the pipeline (DESIGN §2). */
export const Topics = {
  documentsRaw: 'documents.raw',
  chunksProcessed: 'chunks.processed',
  embeddingsReady: 'embeddings.ready',
  analyticsFlink: 'analytics.flink',
  documentsDlq: 'documents.dlq',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** Consumer groups, one per worker role; KEDA scales on their lag. */
export const ConsumerGroups = {
  docproc: 'docpipe-docproc',
  embedding: 'docpipe-embedding',
  ingestStatus: 'docpipe-ingest-status',
} as const;

export type ConsumerGroup = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];
