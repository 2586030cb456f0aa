// `@docpipe/runtime/openai`: a subpath export, so local mode never loads the openai SDK.
export * from './config.js';
export * from './embedder.js';
export * from './errors.js';
export * from './semaphore.js';
