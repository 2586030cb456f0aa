import { minimalPipelineManifest, parseDocumentPipeline, type DocumentPipeline } from '@docpipe/operator-api';

// Tests edit manifests as loose JSON: any field path, without a cast at every step.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LooseManifest = Record<string, any>;

/** A pipeline with archive and analytics set (for tests and docs); `edit` changes the manifest before parsing. */
export function awsPipeline(edit: (m: LooseManifest) => void = () => {}, name = 'demo', namespace = 'team-a'): DocumentPipeline {
  const m = minimalPipelineManifest(name, namespace) as LooseManifest;
  m['spec'].kafka = { bootstrapServers: ['b-1.msk:9098', 'b-2.msk:9098'], tls: true, auth: { mechanism: 'aws-iam' } };
  m['spec'].archive = {
    pluginArn: 'arn:aws:kafkaconnect:us-east-1:123456789012:custom-plugin/hdfs3-sink/1a2b3c4d-1',
    serviceExecutionRoleArn: 'arn:aws:iam::123456789012:role/docpipe-msk-connect',
    capacity: { provisioned: { workerCount: 1, mcuCount: 1 } },
    hdfsUrl: 'hdfs://ip-10-0-0-10.ec2.internal:8020',
    vpc: { subnets: ['subnet-0a1b'], securityGroups: ['sg-0c1d'] },
  };
  m['spec'].analytics = {
    emrClusterId: 'j-ABC123',
    scriptsBucket: 'team-a-jobs',
    batch: { schedule: '0 2 * * *', timeZone: 'UTC', outputPath: 's3://team-a-reports/daily' },
  };
  edit(m);
  return parseDocumentPipeline(m);
}
