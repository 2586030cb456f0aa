// Writes crds/docpipe.dev_documentpipelines.yaml from operator/api/src. Run through
// `npm run crds` (which builds the package first); a test keeps the checked-in
// file equal to what the code generates.
import { writeFile } from 'node:fs/promises';
import { documentPipelineCrdYaml } from '../dist/index.js';

await writeFile(new URL('../../../crds/docpipe.dev_documentpipelines.yaml', import.meta.url), documentPipelineCrdYaml());
