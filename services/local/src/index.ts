export * from './config.js';
export * from './local.js';
