// The Deployments' environment against the services' own process schemas: what
// the chart sets is what the services read, and every service starts with it.
import { readFileSync } from 'node:fs';
import { parseDocumentPipeline, type DocumentPipeline } from '@docpipe/operator-api';
import { parseConfig } from '@docpipe/runtime';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { loadDocprocMainConfig, DocprocMainConfig } from '../../services/docproc/src/main-config.js';
import { EmbeddingMainConfig, loadEmbeddingMainConfig } from '../../services/embedding/src/main-config.js';
import { GatewayMainConfig } from '../../services/gateway/src/main-config.js';
import { IngestMainConfig, loadIngestMainConfig } from '../../services/ingest/src/main-config.js';
import { COMPONENTS, type Component } from '../src/names.js';
import { configMapData, serviceEnv } from '../src/service-env.js';

const example = (): DocumentPipeline => parseDocumentPipeline(parse(readFileSync(new URL('../../deploy/examples/pipeline.yaml', import.meta.url), 'utf8')));

// Stand-ins for what the kubelet reads from the Secrets.
const SECRET_VALUES: Record<string, string> = {
  DATABASE_URL: 'postgres://docpipe:secret@db.example:5432/docpipe',
  OPENAI_API_KEY: 'sk-test',
  KAFKA_SASL_USERNAME: 'user',
  KAFKA_SASL_PASSWORD: 'pass',
};

/** The environment a component's container sees: the ConfigMap, then its own variables (secrets resolved to stand-ins). */
function environmentOf(pipeline: DocumentPipeline, component: Component): Record<string, string> {
  const own = serviceEnv(pipeline, component).map((e) => [e.name, e.value ?? SECRET_VALUES[e.name] ?? ''] as const);
  return { ...configMapData(pipeline), ...Object.fromEntries(own) };
}

const schemas: Record<Component, z.ZodObject> = {
  gateway: GatewayMainConfig,
  ingest: IngestMainConfig,
  docproc: DocprocMainConfig,
  embedding: EmbeddingMainConfig,
};
const loaders: Record<Component, (env: NodeJS.ProcessEnv) => unknown> = {
  gateway: (env) => parseConfig(GatewayMainConfig, env),
  ingest: loadIngestMainConfig,
  docproc: loadDocprocMainConfig,
  embedding: loadEmbeddingMainConfig,
};

describe('the services’ environment', () => {
  it.each(COMPONENTS)('%s starts with what its Deployment gives it', (component) => {
    expect(() => loaders[component](environmentOf(example(), component))).not.toThrow();
  });

  it('sets no variable that no service reads (a typo would be silently ignored)', () => {
    const read = new Set(COMPONENTS.flatMap((c) => Object.keys(schemas[c].shape)));
    const set = new Set(COMPONENTS.flatMap((c) => Object.keys(environmentOf(example(), c))));
    expect([...set].filter((name) => !read.has(name))).toEqual([]);
  });

  it('passes the pipeline’s settings through', () => {
    const docproc = loadDocprocMainConfig(environmentOf(example(), 'docproc'));
    expect(docproc).toMatchObject({ CHUNK_MAX_TOKENS: 512, KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'aws-iam', AWS_REGION: 'eu-west-1', OPS_PORT: 9090 });
    const embedding = loadEmbeddingMainConfig(environmentOf(example(), 'embedding'));
    expect(embedding).toMatchObject({ EMBEDDER: 'openai', EMBEDDING_MODEL: 'text-embedding-3-small', EMBEDDING_DIMENSIONS: 1536, OPS_PORT: 9091 });
    expect(loadIngestMainConfig(environmentOf(example(), 'ingest'))).toMatchObject({ PORT: 8081, DATABASE_SSL: 'verify-full', S3_BUCKET: 'acme-docpipe-documents' });
    expect(parseConfig(GatewayMainConfig, environmentOf(example(), 'gateway'))).toMatchObject({ PORT: 8080, INGEST_URL: 'http://docpipe-ingest:8081' });
  });
});
