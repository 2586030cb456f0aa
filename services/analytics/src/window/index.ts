// The local-mode stand-in of the Flink job (jobs/flink/job.py): 1-minute event-time windows.
export * from './config.js';
export * from './core.js';
export * from './event.js';
export * from './replay.js';
export * from './consumer.js';
export * from './scenario.js';
