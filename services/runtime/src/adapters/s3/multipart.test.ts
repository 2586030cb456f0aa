import type { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { uploadStream } from './multipart.js';

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** An S3 client that records every command; parts answer after a tick, and `failPart` fails one. */
function fakeS3(opts: { failPart?: number; checksums?: string } = {}) {
  const sent: Sent[] = [];
  /** The memory behind every part body sent. */
  const partMemory = new Set<ArrayBufferLike>();
  let inFlight = 0;
  let maxInFlight = 0;
  const client = {
    config: { requestChecksumCalculation: async () => opts.checksums ?? 'WHEN_SUPPORTED' },
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const command = cmd.constructor.name;
      const input = { ...cmd.input };
      // The pooled buffer is reused once the part is done: keep a copy of what was sent.
      if (Buffer.isBuffer(input['Body'])) {
        if (command === 'UploadPartCommand') partMemory.add(input['Body'].buffer);
        input['Body'] = Buffer.from(input['Body']).toString();
      }
      sent.push({ command, input });
      if (command === 'CreateMultipartUploadCommand') return { UploadId: 'u-1' };
      if (command !== 'UploadPartCommand') return {};
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      if (input['PartNumber'] === opts.failPart) throw new Error('part refused');
      return { ETag: `"e${String(input['PartNumber'])}"`, ChecksumCRC32: `c${String(input['PartNumber'])}` };
    },
  } as unknown as S3Client;
  return { client, sent, partMemory, maxInFlight: () => maxInFlight };
}

const target = (client: S3Client) => ({ client, bucket: 'b', key: 'k', contentType: 'text/plain', metadata: { filename: 'a.txt' } });
const commands = (sent: Sent[]) => sent.map((s) => s.command.replace('Command', ''));
/** A body of `text` in chunks of `size` characters. */
const chunked = (text: string, size: number) => Readable.from(text.match(new RegExp(`.{1,${size}}`, 'gs'))!.map((s) => Buffer.from(s)));

describe('uploadStream', () => {
  it('sends a body shorter than one part as one PutObject', async () => {
    const s3 = fakeS3();
    const size = await uploadStream(chunked('hello world', 4), target(s3.client), { partSize: 16, queueSize: 2 });
    expect(size).toBe(11);
    expect(commands(s3.sent)).toEqual(['PutObject']);
    expect(s3.sent[0]!.input).toMatchObject({ Bucket: 'b', Key: 'k', Body: 'hello world', ContentLength: 11, ContentType: 'text/plain', Metadata: { filename: 'a.txt' } });
  });

  it('cuts a longer body into parts in order, declares CRC32, and completes with every part', async () => {
    const s3 = fakeS3();
    const text = 'abcdefghij'.repeat(5); // 50 bytes: parts of 16, 16, 16, 2
    const size = await uploadStream(chunked(text, 7), target(s3.client), { partSize: 16, queueSize: 2 });
    expect(size).toBe(50);
    expect(commands(s3.sent)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    expect(s3.sent[0]!.input).toMatchObject({ ContentType: 'text/plain', Metadata: { filename: 'a.txt' }, ChecksumAlgorithm: 'CRC32' });
    const parts = s3.sent.filter((s) => s.command === 'UploadPartCommand');
    expect(parts.map((p) => p.input['Body']).join('')).toBe(text);
    expect(parts.map((p) => p.input['ContentLength'])).toEqual([16, 16, 16, 2]);
    const done = s3.sent.at(-1)!.input as { MultipartUpload: { Parts: Array<{ PartNumber: number; ETag: string; ChecksumCRC32: string }> } };
    expect(done.MultipartUpload.Parts.map((p) => [p.PartNumber, p.ETag, p.ChecksumCRC32])).toEqual([
      [1, '"e1"', 'c1'],
      [2, '"e2"', 'c2'],
      [3, '"e3"', 'c3'],
      [4, '"e4"', 'c4'],
    ]);
    expect(s3.maxInFlight()).toBeLessThanOrEqual(2);
  });

  it('never sends an empty last part when the body is a multiple of the part size', async () => {
    const s3 = fakeS3({ checksums: 'WHEN_REQUIRED' });
    await uploadStream(chunked('x'.repeat(32), 5), target(s3.client), { partSize: 16, queueSize: 1 });
    expect(s3.sent.filter((s) => s.command === 'UploadPartCommand').map((p) => p.input['ContentLength'])).toEqual([16, 16]);
    expect(s3.sent[0]!.input['ChecksumAlgorithm']).toBeUndefined();
  });

  it('aborts the upload and rejects when a part fails', async () => {
    const s3 = fakeS3({ failPart: 2 });
    await expect(uploadStream(chunked('y'.repeat(100), 8), target(s3.client), { partSize: 16, queueSize: 2 })).rejects.toThrow('part refused');
    expect(commands(s3.sent)).toContain('AbortMultipartUpload');
    expect(commands(s3.sent)).not.toContain('CompleteMultipartUpload');
  });

  it("aborts the upload and rejects with the body's own error", async () => {
    const s3 = fakeS3();
    async function* failing() {
      yield Buffer.alloc(40, 'z');
      throw new Error('client went away');
    }
    await expect(uploadStream(Readable.from(failing()), target(s3.client), { partSize: 16, queueSize: 2 })).rejects.toThrow('client went away');
    expect(commands(s3.sent)).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'AbortMultipartUpload']);
  });

  it('reuses at most queueSize + 1 part buffers however long the body', async () => {
    const s3 = fakeS3();
    const size = await uploadStream(chunked('q'.repeat(16 * 20), 5), target(s3.client), { partSize: 16, queueSize: 2 });
    expect(size).toBe(320);
    expect(s3.sent.filter((s) => s.command === 'UploadPartCommand')).toHaveLength(20);
    expect(s3.partMemory.size).toBeLessThanOrEqual(3);
  });

  it('sends an empty body as one empty PutObject', async () => {
    const s3 = fakeS3();
    expect(await uploadStream(Readable.from([]), target(s3.client), { partSize: 16, queueSize: 2 })).toBe(0);
    expect(commands(s3.sent)).toEqual(['PutObject']);
    expect(s3.sent[0]!.input).toMatchObject({ Body: '', ContentLength: 0 });
  });

  it("refuses a body that needs more than S3's 10 000 parts, and aborts", async () => {
    const s3 = fakeS3({ checksums: 'WHEN_REQUIRED' });
    const body = Readable.from((function* () {
      for (let i = 0; i < 10_001; i += 1) yield Buffer.from('p');
    })());
    await expect(uploadStream(body, target(s3.client), { partSize: 1, queueSize: 64 })).rejects.toThrow("more than S3's 10000 parts");
    expect(s3.sent.filter((s) => s.command === 'UploadPartCommand')).toHaveLength(10_000);
    expect(commands(s3.sent).at(-1)).toBe('AbortMultipartUpload');
  });
});
