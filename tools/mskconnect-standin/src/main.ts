#!/usr/bin/env node
import { createLogger, onShutdown } from '@docpipe/runtime';
import { parseCli, USAGE } from './cli.js';
import { startMskConnectStandin } from './index.js';

// Wiring only: parse flags, start, stop on SIGTERM/SIGINT.
let cli;
try {
  cli = parseCli(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`mskconnect-standin: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (cli.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const logger = createLogger({ name: 'mskconnect-standin', level: cli.logLevel });
const standin = await startMskConnectStandin({ port: cli.port, host: cli.host, region: cli.region, timing: cli.timing, logger: logger.child({ component: 'http' }) });
onShutdown(logger, [{ name: 'http', stop: standin.stop }]);
logger.info({ url: standin.url, timing: standin.msk.timing }, 'mskconnect stand-in listening');
