// The daily report (the Spark job's local-mode stand-in).
export * from './day.js';
export * from './report.js';
export * from './args.js';
export * from './config.js';
export * from './cli.js';
export * from './fixtures.js';
