// The analytics package's public surface: the archive writer, the window counter, the daily report.
export * from './archive/index.js';
export * from './report/index.js';
export * from './window/index.js';
