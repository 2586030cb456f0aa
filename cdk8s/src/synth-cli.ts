// `npm run synth -- <pipeline.yaml> [--out dir]`: the pipeline's children as plain
// manifests (one YAML stream) for GitOps without the operator.
import { pathToFileURL } from 'node:url';
import { InvalidPipelineError } from '@docpipe/operator-api';
import { parseSynthArgs, synthFile } from './synth.js';

const USAGE = 'usage: npm run synth -- <pipeline.yaml> [--out dir]\n';

/** Injected by tests. */
export interface SynthIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The CLI: 0 when written, 2 when the arguments or the manifest are wrong (the message names the field). */
export async function runSynthCli(argv: readonly string[], io: SynthIo): Promise<number> {
  try {
    const { yaml, file } = await synthFile(parseSynthArgs(argv));
    io.stdout(file === undefined ? yaml : `wrote ${file}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(err instanceof InvalidPipelineError ? `${message}\n` : `synth: ${message}\n${USAGE}`);
    return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runSynthCli(process.argv.slice(2), {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  });
}
