import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node flags each service's image starts it with (Dockerfile), so tests and benchmarks run it the same way. */
const NODE_FLAGS: Partial<Record<string, string[]>> = {
  gateway: ['--max-semi-space-size=1'],
  ingest: ['--max-semi-space-size=1'],
};

/** The four services, each run from its built dist/main.js. */
export type ServiceName = 'ingest' | 'docproc' | 'embedding' | 'gateway';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Where a service's built entry point is. */
export function mainOf(service: ServiceName): string {
  return join(REPO, 'services', service, 'dist', 'main.js');
}

/** A free loopback port, as the kernel hands it out now (tiny race: fine on a test machine). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One running service: its child process, where it answers HTTP, and its log. */
export interface RunningService {
  name: ServiceName;
  child: ChildProcess;
  /** ingest and the gateway: their API; the workers: their ops server. */
  url: string;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string>;
  /** Polled until 200 (the service is ready), within `boundMs`. */
  readyPath?: string;
  boundMs?: number;
}

/**
 * Runs each service in its own process, appending its stdout and stderr to
 * one log file per service under `logDir` (which survives restarts, so a
 * failure can show what the killed process said too).
 */
export class ServiceProcesses {
  private readonly running = new Map<ServiceName, RunningService>();

  constructor(private readonly logDir: string) {}

  logPath(name: ServiceName): string {
    return join(this.logDir, `${name}.log`);
  }

  get(name: ServiceName): RunningService {
    const service = this.running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service;
  }

  /** Spawns `name` with exactly `opts.env` and waits until it answers its ready path. */
  async start(name: ServiceName, port: number, opts: StartOptions): Promise<RunningService> {
    if (this.running.has(name)) throw new Error(`${name} is already running`);
    const log = openSync(this.logPath(name), 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [...(NODE_FLAGS[name] ?? []), mainOf(name)], { env: opts.env, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log); // the child holds its own copy
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const service: RunningService = { name, child, url: `http://127.0.0.1:${port}`, exited };
    this.running.set(name, service);
    try {
      await this.waitReady(service, opts.readyPath ?? '/readyz', opts.boundMs ?? 60_000);
    } catch (err) {
      throw new Error(`${name} did not become ready: ${(err as Error).message}\n${this.tail(name)}`, { cause: err });
    }
    return service;
  }

  /** Sends `signal` and waits for the process to be gone. */
  async kill(name: ServiceName, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const service = this.get(name);
    service.child.kill(signal);
    await service.exited;
    this.running.delete(name);
  }

  /** SIGTERM to every process (SIGKILL after `graceMs`); resolves once all are gone. */
  async stopAll(graceMs = 15_000): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async (service) => {
        if (service.child.exitCode !== null || service.child.signalCode !== null) return;
        service.child.kill('SIGTERM');
        const timer = setTimeout(() => service.child.kill('SIGKILL'), graceMs);
        await service.exited;
        clearTimeout(timer);
      }),
    );
    this.running.clear();
  }

  /** The last `lines` lines of a service's log, for failure messages. */
  tail(name: ServiceName, lines = 40): string {
    let text: string;
    try {
      text = readFileSync(this.logPath(name), 'utf8');
    } catch {
      return `(${name}: no log)`;
    }
    const last = text.trimEnd().split('\n').slice(-lines);
    return [`--- ${name}: last ${last.length} lines of ${this.logPath(name)}`, ...last].join('\n');
  }

  /** Every service's tail. */
  tails(lines = 40): string {
    return (['ingest', 'docproc', 'embedding', 'gateway'] as const).map((n) => this.tail(n, lines)).join('\n');
  }

  private async waitReady(service: RunningService, path: string, boundMs: number): Promise<void> {
    const deadline = Date.now() + boundMs;
    let last = 'no answer yet';
    let gone = false;
    void service.exited.then(() => (gone = true));
    while (Date.now() < deadline) {
      if (gone) throw new Error(`it exited with code ${service.child.exitCode} (signal ${service.child.signalCode})`);
      try {
        const res = await fetch(`${service.url}${path}`, { signal: AbortSignal.timeout(3_000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`GET ${path} still not 200 after ${boundMs} ms (last: ${last})`);
  }
}
