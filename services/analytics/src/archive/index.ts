// The archive of the topics: the writer, its store port and adapters, the layout.
export * from './store.js';
export * from './layout.js';
export * from './local-store.js';
export * from './webhdfs-store.js';
export * from './writer.js';
export * from './config.js';
export { archivedEnds } from './recovery.js';
export { SPOOL_DIR } from './spool.js';
export type { WriterCounters } from './partition.js';
