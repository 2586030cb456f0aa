export * from './topics.js';
export * from './ids.js';
export * from './payloads.js';
export * from './codec.js';
export * from './status.js';
export * from './json-schema.js';
