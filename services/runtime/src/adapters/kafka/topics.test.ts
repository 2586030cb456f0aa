import { describe, expect, it } from 'vitest';
import { topicConfig } from './topics.js';

describe('topicConfig', () => {
  it('maps a spec with its configs to kafkajs config entries', () => {
    expect(topicConfig({ topic: 'documents.raw', numPartitions: 6, replicationFactor: 3, configs: { 'retention.ms': '604800000', 'min.insync.replicas': '2' } })).toEqual({
      topic: 'documents.raw',
      numPartitions: 6,
      replicationFactor: 3,
      configEntries: [
        { name: 'retention.ms', value: '604800000' },
        { name: 'min.insync.replicas', value: '2' },
      ],
    });
    expect(topicConfig({ topic: 't', numPartitions: 1, replicationFactor: 1 }).configEntries).toEqual([]);
  });
});
