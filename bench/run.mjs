// `npm run bench`: every benchmark, one after another (never in parallel: the
// machine has 2 cores and each benchmark wants the box to itself). Figures go
// into bench/RESULTS.md by hand, with the machine and the command.
import { spawnSync } from 'node:child_process';

const benches = [
  { name: 'chunking: docproc vs LangChain', args: ['bench/docproc/chunking.ts', '7'] },
  { name: 'PDF extraction: docproc vs pdftotext', args: ['bench/docproc/pdf.ts', '200', '7'], needs: 'pdftotext' },
  { name: 'local mode end to end', args: ['bench/local/e2e.ts', '200', '3'] },
];

const only = process.argv.slice(2);
let failed = 0;
for (const bench of benches) {
  if (only.length > 0 && !only.some((o) => bench.args[0].includes(o))) continue;
  if (bench.needs && spawnSync('sh', ['-c', `command -v ${bench.needs}`]).status !== 0) {
    process.stdout.write(`\n## ${bench.name}: skipped — ${bench.needs} is not installed (apt-get install -y poppler-utils)\n`);
    continue;
  }
  process.stdout.write(`\n## ${bench.name}\n$ node ${bench.args.join(' ')}\n`);
  const run = spawnSync(process.execPath, bench.args, { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
