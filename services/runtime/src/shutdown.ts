import type { Logger } from './logging.js';

export interface ShutdownStep {
  name: string;
  stop: () => Promise<void>;
}

export interface ShutdownOptions {
  /** Upper bound on the whole sequence; then exit(1). Default 25 s (Kubernetes grants 30). */
  timeoutMs?: number;
  signals?: NodeJS.Signals[];
  /** Injected by tests; process.exit by default. */
  exit?: (code: number) => void;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/**
 * Runs `steps` in order on SIGTERM/SIGINT, then exits 0 (or 1 when a step
 * failed or the whole sequence overran `timeoutMs`). A second signal while
 * stopping exits 1 at once. Returns a function that starts the same sequence.
 */
export function onShutdown(logger: Logger, steps: ShutdownStep[], opts: ShutdownOptions = {}): () => Promise<void> {
  const exitProcess = opts.exit ?? ((code: number) => process.exit(code));
  let exited = false;
  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    exitProcess(code);
  };
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let running: Promise<void> | undefined;

  const detach = (): void => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  const trigger = (): Promise<void> => {
    running ??= runSequence(logger, steps, timeoutMs).then((code) => {
      detach();
      logger.info({ code }, 'shutdown finished');
      exit(code);
    });
    return running;
  };
  function onSignal(signal: NodeJS.Signals): void {
    if (running) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      detach();
      exit(1);
      return;
    }
    logger.info({ signal }, 'shutdown requested');
    void trigger();
  }

  for (const signal of signals) process.on(signal, onSignal);
  return trigger;
}

/** Resolves with the exit code: 0 when every step stopped in time. */
async function runSequence(logger: Logger, steps: ShutdownStep[], timeoutMs: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out');
      resolve(1);
    }, timeoutMs);
  });
  try {
    return await Promise.race([runSteps(logger, steps), overrun]);
  } finally {
    clearTimeout(timer);
  }
}

async function runSteps(logger: Logger, steps: ShutdownStep[]): Promise<number> {
  let code = 0;
  for (const step of steps) {
    const started = Date.now();
    try {
      await step.stop();
      logger.info({ step: step.name, ms: Date.now() - started }, 'stopped');
    } catch (err) {
      // Keep going: the remaining steps still hold resources worth releasing.
      logger.error({ step: step.name, err }, 'stop failed');
      code = 1;
    }
  }
  return code;
}
