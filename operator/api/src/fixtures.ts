import type { DocumentPipelineInput } from './pipeline.js';

/** The smallest valid DocumentPipeline manifest (only what has no default), for tests and docs. */
export function minimalPipelineManifest(name = 'demo', namespace = 'team-a'): DocumentPipelineInput {
  return {
    apiVersion: 'docpipe.dev/v1alpha1',
    kind: 'DocumentPipeline',
    metadata: { name, namespace },
    spec: {
      kafka: { bootstrapServers: ['kafka.team-a.svc:9092'] },
      s3: { bucket: 'team-a-docs', region: 'eu-west-1' },
      database: { secretRef: { name: 'db' } },
      embedding: { secretRef: { name: 'openai' } },
      images: { repository: 'registry.example/docpipe', tag: '1.2.3' },
    },
  };
}
