import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runSynthCli } from './synth-cli.js';
import { parseSynthArgs, readPipelineYaml } from './synth.js';

const example = fileURLToPath(new URL('../../deploy/examples/pipeline.yaml', import.meta.url));

function io() {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
}

describe('npm run synth', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'docpipe-synth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the example’s children as one YAML stream into --out', async () => {
    const { out, io: streams } = io();
    expect(await runSynthCli([example, '--out', join(dir, 'gitops')], streams)).toBe(0);
    const file = join(dir, 'gitops', 'docpipe.yaml');
    expect(out.stdout).toBe(`wrote ${file}\n`);
    const docs = parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string } });
    expect(docs).toHaveLength(20);
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['docpipe-gateway', 'docpipe-ingest', 'docpipe-docproc', 'docpipe-embedding']);
    expect(docs.map((d) => d.kind)).toContain('Ingress');
    expect(docs.map((d) => d.kind)).not.toContain('DocumentPipeline');
  });

  it('prints the stream without --out', async () => {
    const { out, io: streams } = io();
    expect(await runSynthCli([example], streams)).toBe(0);
    expect(out.stdout).toMatch(/^apiVersion: v1\nkind: ServiceAccount\n/);
    expect(out.stdout.split('\n---\n')).toHaveLength(20);
  });

  it('refuses an invalid pipeline, naming each field, and writes nothing', async () => {
    const bad = join(dir, 'bad.yaml');
    const text = (await readFile(example, 'utf8')).replace('tls: true', 'tls: false').replace('maxReplicas: 12\n    lagThreshold: 10', 'maxReplicas: -1\n    lagThreshold: 10');
    await writeFile(bad, text);
    const { out, io: streams } = io();
    expect(await runSynthCli([bad, '--out', join(dir, 'never')], streams)).toBe(2);
    expect(out.stderr).toContain('spec.kafka.tls: MSK IAM authentication (auth.mechanism aws-iam) requires tls: true');
    expect(out.stderr).toContain('spec.docproc.maxReplicas:');
    await expect(readFile(join(dir, 'never', 'docpipe.yaml'))).rejects.toThrow(/ENOENT/);
  });

  it('explains a bad command line', async () => {
    const { out, io: streams } = io();
    expect(await runSynthCli([], streams)).toBe(2);
    expect(out.stderr).toMatch(/^synth: expected exactly one pipeline manifest\nusage: /);
    expect(() => parseSynthArgs([example, '--out'])).toThrow('--out needs a directory');
    expect(() => parseSynthArgs([example, '--force'])).toThrow('unknown option --force');
    expect(parseSynthArgs(['p.yaml', '-o', 'out'])).toEqual({ input: 'p.yaml', outDir: 'out' });
  });

  it('wants exactly one YAML document', () => {
    expect(() => readPipelineYaml('a: 1\n---\nb: 2\n', 'two.yaml')).toThrow('two.yaml: expected one YAML document (a DocumentPipeline), found 2');
    expect(() => readPipelineYaml('a: [1\n', 'broken.yaml')).toThrow(/^broken\.yaml: /);
  });
});
