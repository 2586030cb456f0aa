// @docpipe/runtime/kafka: the EventBus on Kafka. A subpath of its own, so local
// mode never loads kafkajs; kafkajs is imported nowhere outside this folder.
export { openKafkaEventBus, KafkaEventBus } from './event-bus.js';
export type { KafkaEventBusOptions, KafkaConsumerSettings, BackoffRange } from './options.js';
export type { KafkaConnectionOptions, KafkaSasl, KafkaRetry } from './client.js';
export { KafkaConfig, kafkaOptionsFromConfig, parseBrokers } from './config.js';
export { ensureTopics, type TopicSpec, type EnsureTopicsResult } from './topics.js';
