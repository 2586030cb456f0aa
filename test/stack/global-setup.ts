import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const stack = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));
// Everything the stack suites use; DOCPIPE_STACK_COMPONENTS picks fewer while working on one suite.
const DEFAULT_COMPONENTS = 'kafka postgres s3 kube hdfs flink spark';
const components = (process.env['DOCPIPE_STACK_COMPONENTS'] ?? DEFAULT_COMPONENTS).split(/\s+/).filter(Boolean);

/**
 * Builds dist/, starts the components the stack suites need (a no-op for those already
 * running), exports their addresses to the tests, and stops what it started
 * unless DOCPIPE_KEEP_STACK=1.
 */
export default function setup(): () => void {
  // The suites run services and the operator as processes from dist/: build it once, first
  // (a no-op when it is up to date). `npm test` only type-checks, it emits nothing.
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  execFileSync(process.execPath, [tsc, '-b'], { cwd: fileURLToPath(new URL('../../', import.meta.url)), stdio: 'inherit' });
  const running = new Set(components.filter((c) => isRunning(c)));
  execFileSync(stack, ['start', ...components], { stdio: 'inherit' });
  const env = execFileSync(stack, ['env'], { encoding: 'utf8' });
  for (const line of env.split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (m) process.env[m[1]!] = m[2]!;
  }
  return () => {
    const started = components.filter((c) => !running.has(c));
    if (process.env['DOCPIPE_KEEP_STACK'] === '1' || started.length === 0) return;
    execFileSync(stack, ['stop', ...started.reverse()], { stdio: 'inherit' });
  };
}

function isRunning(component: string): boolean {
  try {
    execFileSync(stack, ['status', component], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
