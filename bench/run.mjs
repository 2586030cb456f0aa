// `npm run bench`: every benchmark, one after another (never in parallel: the
// machine has 2 cores and each benchmark wants the box to itself). Figures go
// into bench/RESULTS.md by hand, with the machine and the command.
import { spawnSync } from 'node:child_process';

// The stack benchmarks import the stack suites' helpers (test/stack/*.ts), which
// need TypeScript's parameter properties and `.js` → `.ts` resolution.
const STACK_TS = ['--experimental-transform-types', '--no-warnings', '--import', './bench/stack/ts-hooks.mjs'];

const benches = [
  { name: 'chunking: docproc vs LangChain', args: ['bench/docproc/chunking.ts', '7'] },
  { name: 'PDF extraction: docproc vs pdftotext', args: ['bench/docproc/pdf.ts', '200', '7'], needs: 'pdftotext' },
  { name: 'local mode end to end', args: ['bench/local/e2e.ts', '200', '3'] },
  // The real-stack benchmarks do not start the stack: `scripts/stack.sh start` first
  // (they are skipped when it is not running), and `scripts/stack.sh stop` after.
  { name: 'Kafka adapter vs Kafka tools', args: ['bench/stack/kafka.ts', '200000', '20000'], stack: 'kafka' },
  { name: 'real stack end to end, stand-in at 0 and 200 ms', args: [...STACK_TS, 'bench/stack/e2e.ts', '40', '4000', '0,200'], stack: '' },
  { name: '1 GiB upload through gateway and ingest vs direct to S3', args: [...STACK_TS, 'bench/stack/upload.ts', '1024', '1'], stack: '' },
  { name: 'archive writer: local disk and WebHDFS', args: ['bench/analytics/archive.ts', '1000000', 'small', '1000'], stack: 'hdfs' },
  { name: 'Flink job vs the window counter, 1M events', args: [...STACK_TS, 'bench/analytics/flink.ts', '1000000'], stack: 'kafka flink' },
  { name: 'Spark job vs the DuckDB report, one day of 1M embeddings', args: [...STACK_TS, 'bench/analytics/spark.ts', '1000000'], stack: 'spark' },
  { name: 'operator: apply → children, RSS, idle resync', args: [...STACK_TS, 'bench/operator/reconcile.ts', '20', '200', '30'], stack: 'kafka kube' },
];

const only = process.argv.slice(2);
let failed = 0;
for (const bench of benches) {
  const script = bench.args.find((a) => a.startsWith('bench/')) ?? '';
  if (only.length > 0 && !only.some((o) => script.includes(o))) continue;
  if (bench.stack !== undefined && spawnSync('scripts/stack.sh', ['status', ...bench.stack.split(' ').filter(Boolean)]).status !== 0) {
    process.stdout.write(`\n## ${bench.name}: skipped — the stack is not running (scripts/stack.sh start${bench.stack ? ` ${bench.stack}` : ''}; eval "$(scripts/stack.sh env)")\n`);
    continue;
  }
  if (bench.needs && spawnSync('sh', ['-c', `command -v ${bench.needs}`]).status !== 0) {
    process.stdout.write(`\n## ${bench.name}: skipped — ${bench.needs} is not installed (apt-get install -y poppler-utils)\n`);
    continue;
  }
  process.stdout.write(`\n## ${bench.name}\n$ node ${bench.args.join(' ')}\n`);
  const run = spawnSync(process.execPath, bench.args, { stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
