import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './murmur2.js';

describe('murmur2', () => {
  // Apache Kafka's UtilsTest.testMurmur2.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like Kafka', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('places keys like the Java default partitioner', () => {
    // toPositive(-790332482) = 1357151166; 1357151166 % 50 = 16.
    expect(partitionForKey('foobar', 50)).toBe(16);
    expect(partitionForKey('foobar', 3)).toBe(1357151166 % 3);
  });

  it('is stable and within range', () => {
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(`doc-${i}`, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionForKey(`doc-${i}`, 7)).toBe(p);
    }
  });
});
