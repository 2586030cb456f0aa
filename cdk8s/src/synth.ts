import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocumentPipeline, type DocumentPipeline } from '@docpipe/operator-api';
import { parseAllDocuments, stringify } from 'yaml';
import { pipelineManifests } from './pipeline-chart.js';

/** Kubernetes objects as one YAML stream, `---` between documents. */
export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** Reads the one DocumentPipeline of a YAML text; throws with the reason (YAML error, or not exactly one document). */
export function readPipelineYaml(text: string, source = 'input'): unknown {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) throw new Error(`${source}: expected one YAML document (a DocumentPipeline), found ${docs.length}`);
  const [doc] = docs;
  if (doc!.errors.length > 0) throw new Error(`${source}: ${doc!.errors[0]!.message}`);
  return doc!.toJS() as unknown;
}

/** Validates a pipeline manifest against the API schema and returns its children as a YAML stream. */
export function synthPipelineYaml(manifest: unknown): { pipeline: DocumentPipeline; yaml: string } {
  const pipeline = parseDocumentPipeline(manifest);
  return { pipeline, yaml: toYamlStream(pipelineManifests(pipeline)) };
}

export interface SynthOptions {
  input: string;
  /** Directory to write `<pipeline>.yaml` into; unset: the YAML is returned for stdout. */
  outDir?: string;
}

/** `npm run synth`: reads, validates, synthesizes; writes `<outDir>/<name>.yaml` or returns the stream. */
export async function synthFile(options: SynthOptions): Promise<{ yaml: string; file?: string }> {
  const manifest = readPipelineYaml(await readFile(options.input, 'utf8'), options.input);
  const { pipeline, yaml } = synthPipelineYaml(manifest);
  if (options.outDir === undefined) return { yaml };
  await mkdir(options.outDir, { recursive: true });
  const file = join(options.outDir, `${pipeline.metadata.name}.yaml`);
  await writeFile(file, yaml);
  return { yaml, file };
}

/** Parses `<pipeline.yaml> [--out dir]`; throws a usage error. */
export function parseSynthArgs(argv: readonly string[]): SynthOptions {
  const args = [...argv];
  let outDir: string | undefined;
  const inputs: string[] = [];
  while (args.length > 0) {
    const arg = args.shift()!;
    if (arg === '--out' || arg === '-o') {
      outDir = args.shift();
      if (outDir === undefined) throw new Error('--out needs a directory');
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option ${arg}`);
    } else {
      inputs.push(arg);
    }
  }
  if (inputs.length !== 1) throw new Error('expected exactly one pipeline manifest');
  return outDir === undefined ? { input: inputs[0]! } : { input: inputs[0]!, outDir };
}
