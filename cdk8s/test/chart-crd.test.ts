// The install files that are copies or references of something else stay in
// step with it: the chart's CRD with crds/, the Argo CD ConfigMap patch with
// the health script, the Applications with the paths they deploy.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const repoPath = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const read = (path: string): string => readFileSync(repoPath(path), 'utf8');
const readYaml = <T>(path: string): T => parse(read(path)) as T;

const CRD = 'docpipe.dev_documentpipelines.yaml';
const HEALTH_DIR = 'deploy/argocd/health/docpipe.dev/DocumentPipeline';
const HEALTH_KEY = 'resource.customizations.health.docpipe.dev_DocumentPipeline';

interface Application {
  metadata: { name: string; namespace: string };
  spec: {
    source: { repoURL: string; path: string; helm?: { releaseName?: string } };
    destination: { namespace: string };
    syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; syncOptions: string[] };
  };
}

describe('the Helm chart', () => {
  it('ships a byte-equal copy of crds/ (run `cp crds/* charts/docpipe-operator/crds/` after `npm run crds`)', () => {
    expect(readdirSync(repoPath('charts/docpipe-operator/crds'))).toEqual(readdirSync(repoPath('crds')));
    expect(read(`charts/docpipe-operator/crds/${CRD}`)).toBe(read(`crds/${CRD}`));
  });

  it('types every top-level value in values.schema.json, which refuses unknown keys', () => {
    const values = readYaml<Record<string, unknown>>('charts/docpipe-operator/values.yaml');
    const schema = JSON.parse(read('charts/docpipe-operator/values.schema.json')) as { additionalProperties: boolean; properties: Record<string, { type?: unknown; $ref?: string }> };
    expect(schema.additionalProperties).toBe(false);
    for (const key of Object.keys(values)) {
      const property = schema.properties[key];
      expect(property, key).toBeDefined();
      expect(property!.type ?? property!.$ref, key).toBeDefined();
    }
  });
});

describe('the Argo CD health check', () => {
  it('is embedded in the argocd-cm patch exactly as health.lua holds it', () => {
    const patch = readYaml<{ metadata: { name: string; namespace: string }; data: Record<string, string> }>('deploy/argocd/argocd-cm-health.yaml');
    expect(patch.metadata).toMatchObject({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(patch.data)).toEqual([HEALTH_KEY]);
    expect(patch.data[HEALTH_KEY]).toBe(read(`${HEALTH_DIR}/health.lua`));
  });

  it('has an expectation for every fixture and a fixture for every expectation', () => {
    const { tests } = readYaml<{ tests: { inputPath: string }[] }>(`${HEALTH_DIR}/health_test.yaml`);
    const listed = tests.map((t) => t.inputPath).sort();
    const fixtures = readdirSync(repoPath(`${HEALTH_DIR}/testdata`)).map((f) => `testdata/${f}`).sort();
    expect(listed).toEqual(fixtures);
  });
});

describe('the Argo CD Applications', () => {
  const operator = readYaml<Application>('deploy/argocd/operator-application.yaml');
  const pipeline = readYaml<Application>('deploy/argocd/pipeline-application.yaml');
  const example = readYaml<{ metadata: { namespace: string } }>('deploy/examples/pipeline.yaml');

  it('deploy paths of this repository: the chart and the example pipeline', () => {
    expect(existsSync(repoPath(`${operator.spec.source.path}/Chart.yaml`))).toBe(true);
    expect(operator.spec.source.helm?.releaseName).toBe('docpipe-operator');
    expect(existsSync(repoPath(`${pipeline.spec.source.path}/pipeline.yaml`))).toBe(true);
    expect(pipeline.spec.source.repoURL).toBe(operator.spec.source.repoURL);
  });

  it('sync automatically with pruning, self-heal, server-side apply and namespace creation', () => {
    for (const app of [operator, pipeline]) {
      expect(app.metadata.namespace).toBe('argocd');
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['CreateNamespace=true', 'ServerSideApply=true']));
    }
    expect(operator.spec.destination.namespace).toBe('docpipe-system');
    expect(pipeline.spec.destination.namespace).toBe(example.metadata.namespace);
  });
});
