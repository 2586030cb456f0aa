export * from './config.js';
export * from './page.js';
export * from './app.js';
export * from './service.js';
