import { expect, it } from 'vitest';
import { formatBytes } from './format.js';

it('formats byte counts in the largest fitting binary unit', () => {
  expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
  expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MiB');
  expect(formatBytes(50_000)).toBe('48.8 KiB');
  expect(formatBytes(900)).toBe('900 bytes');
});
