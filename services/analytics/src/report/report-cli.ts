#!/usr/bin/env node
// `npm run report -- [--date YYYY-MM-DD] [--archive DIR] [--output DIR]`: local mode's daily report.
import { reportCli } from './cli.js';

process.exitCode = await reportCli({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  now: new Date(),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  logs: process.stderr,
});
