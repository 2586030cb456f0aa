#!/usr/bin/env node
import { createLogger, onShutdown } from '@docpipe/runtime';
import { parseCli, USAGE } from './cli.js';
import { initialConfig } from './config.js';
import { startOpenAiStandin } from './index.js';

// Wiring only: parse flags, start, stop on SIGTERM/SIGINT.
let cli;
try {
  cli = parseCli(process.argv.slice(2));
  initialConfig(cli.config);
} catch (err) {
  process.stderr.write(`openai-standin: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (cli.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const logger = createLogger({ name: 'openai-standin', level: cli.logLevel });
const standin = await startOpenAiStandin({ port: cli.port, host: cli.host, config: cli.config, logger: logger.child({ component: 'http' }) });
onShutdown(logger, [{ name: 'http', stop: standin.stop }]);
// Logged only once SIGTERM is handled: whoever waits for this line may stop us right away.
logger.info({ url: standin.url, config: initialConfig(cli.config) }, 'openai stand-in listening');
