export * from './config.js';
export * from './batching.js';
export * from './process.js';
export * from './service.js';
export { isPermanentEmbedError } from './errors.js';
