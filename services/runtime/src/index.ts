// Ports (DESIGN §6)
export * from './ports/event-bus.js';
export * from './ports/object-store.js';
export * from './ports/embedder.js';
export * from './ports/document-repository.js';
export * from './ports/service.js';
// Content detection shared by ingest (415 at upload) and docproc (extraction)
export * from './content/sniff.js';
// Adapters and process plumbing: each helper appends its own export lines below.
export * from './config.js';
export * from './logging.js';
export * from './metrics.js';
export * from './ops.js';
export * from './shutdown.js';
export * from './tokenizer.js';
export * from './dlq.js';
export * from './consume.js';
export * from './adapters/embedded/event-bus.js';
export * from './adapters/local/object-store.js';
export * from './adapters/local/embedder.js';
export * from './adapters/sql/index.js';
export * from './wiring.js';
export * from './http/errors.js';
export * from './http/listen.js';
export * from './fs-atomic.js';
