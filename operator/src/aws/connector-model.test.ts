import { describe, expect, it } from 'vitest';
import { connectorName, desiredConnector, diffConnector, parseDescription, sinkConfiguration } from './connector-model.js';
import { awsPipeline } from './fixtures.js';

describe('desiredConnector', () => {
  it('names the connector after namespace and pipeline, within MSK Connect limits', () => {
    expect(connectorName(awsPipeline())).toBe('docpipe-team-a-demo-archive');
    const long = awsPipeline(() => {}, 'p'.repeat(40), 'n'.repeat(63));
    expect(connectorName(long).length).toBeLessThanOrEqual(128);
  });

  it('configures the Confluent HDFS 3 sink for the archive layout', () => {
    expect(sinkConfiguration(awsPipeline())).toEqual({
      'connector.class': 'io.confluent.connect.hdfs3.Hdfs3SinkConnector',
      'tasks.max': '3',
      topics: 'documents.raw,chunks.processed,embeddings.ready',
      'store.url': 'hdfs://ip-10-0-0-10.ec2.internal:8020',
      'hdfs.url': 'hdfs://ip-10-0-0-10.ec2.internal:8020',
      'topics.dir': 'topics',
      'logs.dir': 'logs/team-a/demo',
      'flush.size': '1000',
      'rotate.interval.ms': '600000',
      'format.class': 'io.confluent.connect.hdfs3.json.JsonFormat',
      'partitioner.class': 'io.confluent.connect.storage.partitioner.TimeBasedPartitioner',
      'path.format': "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH",
      'partition.duration.ms': '3600000',
      locale: 'en-US',
      timezone: 'UTC',
      'timestamp.extractor': 'Record',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    });
  });

  it('connects with IAM and TLS for an aws-iam pipeline, and records the owner in the description', () => {
    const d = desiredConnector(awsPipeline());
    expect(d).toMatchObject({ bootstrapServers: 'b-1.msk:9098,b-2.msk:9098', authentication: 'IAM', encryption: 'TLS', kafkaConnectVersion: '3.7.x', pluginRevision: 1 });
    expect(parseDescription(d.description)).toEqual({ owner: 'team-a/demo', attempt: 1 });
  });

  it('refuses SCRAM without a connector listener, and takes the override', () => {
    const scram = (archiveKafka?: object) =>
      awsPipeline((m) => {
        m['spec'].kafka = { bootstrapServers: ['b-1:9096'], tls: true, auth: { mechanism: 'scram-sha-512', secretRef: { name: 'kafka' } } };
        if (archiveKafka) m['spec'].archive.kafka = archiveKafka;
      });
    expect(() => desiredConnector(scram())).toThrow(/cannot authenticate with scram-sha-512/);
    expect(desiredConnector(scram({ bootstrapServers: ['b-1:9098'], authentication: 'iam' }))).toMatchObject({ bootstrapServers: 'b-1:9098', authentication: 'IAM', encryption: 'TLS' });
  });
});

describe('diffConnector', () => {
  const base = desiredConnector(awsPipeline());

  it('finds nothing to do for the same connector (list order aside)', () => {
    expect(diffConnector(base, { ...base, subnets: [...base.subnets].reverse(), bootstrapServers: 'b-2.msk:9098,b-1.msk:9098' })).toEqual({ kind: 'none' });
  });

  it('updates the configuration in place when the flush size changes', () => {
    const desired = desiredConnector(awsPipeline((m) => (m['spec'].archive.flushSize = 50)));
    const diff = diffConnector(desired, base);
    expect(diff).toMatchObject({ kind: 'update', field: 'configuration' });
    expect(diff.kind === 'update' && 'configuration' in diff.change && diff.change.configuration['flush.size']).toBe('50');
  });

  it('updates the capacity first when both capacity and configuration changed', () => {
    const desired = desiredConnector(
      awsPipeline((m) => {
        m['spec'].archive.flushSize = 50;
        m['spec'].archive.capacity = { autoscaling: { minWorkers: 1, maxWorkers: 4 } };
      }),
    );
    expect(diffConnector(desired, base)).toEqual({ kind: 'update', field: 'capacity', change: { capacity: { autoscaling: { minWorkers: 1, maxWorkers: 4, mcuCount: 1 } } } });
  });

  it('replaces what UpdateConnector cannot change', () => {
    const desired = desiredConnector(
      awsPipeline((m) => {
        m['spec'].archive.vpc.subnets = ['subnet-ffff'];
        m['spec'].archive.pluginRevision = 2;
      }),
    );
    expect(diffConnector(desired, base)).toEqual({ kind: 'replace', fields: ['plugin', 'subnets'] });
  });
});
