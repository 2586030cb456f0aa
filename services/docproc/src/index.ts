export * from './chunker.js';
export * from './config.js';
export * from './extract/index.js';
export * from './metrics.js';
export * from './process.js';
export * from './service.js';
