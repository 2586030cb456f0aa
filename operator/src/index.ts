// The operator's public surface: ports for the AWS parts, the controller factory, and test doubles.
export * from './config.js';
export * from './controller/ports.js';
export * from './controller/controller.js';
export * from './controller/reconcile.js';
export * from './controller/status.js';
export * from './controller/queue.js';
export * from './controller/leader.js';
export * from './controller/desired.js';
export * from './controller/events.js';
export * from './controller/owned-index.js';
export { messageOf } from './controller/children.js';
export { MemoryKube } from './testing/memory-kube.js';
export { FakeClock } from './testing/fake-clock.js';
