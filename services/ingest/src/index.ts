export * from './config.js';
export * from './filename.js';
export * from './app.js';
export * from './outbox-relay.js';
export * from './status-consumer.js';
export * from './service.js';
