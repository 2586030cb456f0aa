// Ports (DESIGN §6)
export * from './ports/event-bus.js';
export * from './ports/object-store.js';
export * from './ports/embedder.js';
export * from './ports/document-repository.js';
export * from './ports/service.js';
// Content detection shared by ingest (415 at upload) and docproc (extraction)
export * from './content/sniff.js';
// Adapters and process plumbing: each helper appends its own export lines below.
