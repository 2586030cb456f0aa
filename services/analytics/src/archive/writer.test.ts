import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TopicName } from '@docpipe/contracts';
import { createLogger, openEmbeddedEventBus, type EmbeddedEventBus } from '@docpipe/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalArchiveStore } from './local-store.js';
import type { ArchiveStore } from './store.js';
import { ArchiveWriter, type ArchiveWriterOptions } from './writer.js';

const logger = createLogger({ name: 'archive-writer-test', level: 'silent' });
const TOPIC = 'archive.test' as TopicName;
const H09 = 'archive.test/year=2024/month=03/day=10/hour=09';
const H10 = 'archive.test/year=2024/month=03/day=10/hour=10';

/** Every file under `dir` (relative path → content); empty directories are left out. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    out[relative(dir, full)] = await readFile(full, 'utf8');
  }
  return out;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  // performance.now, not Date: the tests fake Date.
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const value = (n: number): Buffer => Buffer.from(JSON.stringify({ n }));
const lines = (...ns: number[]): string => ns.map((n) => `{"n":${n}}\n`).join('');

/** Unkeyed messages: the embedded bus spreads them round-robin, message i to partition i mod partitions. */
async function publish(bus: EmbeddedEventBus, ns: number[]): Promise<void> {
  await bus.publish(TOPIC, ns.map((n) => ({ key: '', value: value(n), headers: {} })));
}

/** Fails every call once `dead` is set; `dieAfterFile` sets it right after an archive file is in place. */
class CrashingStore implements ArchiveStore {
  dead = false;
  dieAfterFile = false;
  constructor(private readonly inner: ArchiveStore) {}
  get location(): string {
    return this.inner.location;
  }
  async put(path: string, content: string): Promise<void> {
    this.check();
    await this.inner.put(path, content);
    if (this.dieAfterFile && !path.startsWith('+tmp/')) {
      this.dead = true;
      throw new Error('simulated crash after the rename');
    }
  }
  list(dir: string): Promise<string[]> {
    this.check();
    return this.inner.list(dir);
  }
  read(path: string): Promise<Buffer> {
    this.check();
    return this.inner.read(path);
  }
  delete(path: string): Promise<void> {
    this.check();
    return this.inner.delete(path);
  }
  private check(): void {
    if (this.dead) throw new Error('simulated crash: the process is gone');
  }
}

describe('ArchiveWriter', () => {
  let dir: string;
  let archive: string;
  let store: LocalArchiveStore;
  const open: Array<{ close(): Promise<void> }> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archive-writer-'));
    archive = join(dir, 'topics');
    store = new LocalArchiveStore(archive);
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const o of open.splice(0).reverse()) await o.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function bus(partitions: number, persist = false): Promise<EmbeddedEventBus> {
    const b = await openEmbeddedEventBus({ logger, partitions, pollIntervalMs: 20, retryBackoffMs: { initial: 10, max: 50 }, ...(persist ? { dir: join(dir, 'bus') } : {}) });
    open.push(b);
    return b;
  }

  async function writer(opts: Partial<ArchiveWriterOptions> & Pick<ArchiveWriterOptions, 'bus'>): Promise<ArchiveWriter> {
    const w = new ArchiveWriter({ store, logger, topics: [TOPIC], checkIntervalMs: 0, now: () => 0, ...opts });
    await w.start();
    return w;
  }

  it('writes the exact files: per partition, split at the hour and at flush size, the rest on stop', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const b = await bus(2);
    vi.setSystemTime(new Date('2024-03-10T09:59:59.000Z'));
    await publish(b, [0, 1, 2, 3]);
    vi.setSystemTime(new Date('2024-03-10T10:00:00.000Z'));
    await publish(b, [4, 5, 6, 7, 8, 9, 10, 11]);

    const w = await writer({ bus: b, flushSize: 3, rotateMs: 3_600_000 });
    await until('12 records', () => w.stats().accepted === 12);
    await w.stop();

    expect(await tree(archive)).toEqual({
      [`${H09}/archive.test+0+0000000000+0000000001.json`]: lines(0, 2),
      [`${H10}/archive.test+0+0000000002+0000000004.json`]: lines(4, 6, 8),
      [`${H10}/archive.test+0+0000000005+0000000005.json`]: lines(10),
      [`${H09}/archive.test+1+0000000000+0000000001.json`]: lines(1, 3),
      [`${H10}/archive.test+1+0000000002+0000000004.json`]: lines(5, 7, 9),
      [`${H10}/archive.test+1+0000000005+0000000005.json`]: lines(11),
    });
    expect(w.stats()).toMatchObject({ accepted: 12, archived: 12, files: 6, skipped: 0, pending: 0 });
  });

  it('writes a buffer once it is rotateMs old by the injected clock, keeping it spooled until then', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-10T09:30:00.000Z'));
    const b = await bus(1);
    let clock = 1_000;
    const w = await writer({ bus: b, flushSize: 100, rotateMs: 60_000, now: () => clock });
    await publish(b, [0, 1]);
    const spooled = `+tmp/${TOPIC}/0/0000000000+0000000001.jsonl`;
    await until('the spool segment', async () => (await store.list(`+tmp/${TOPIC}/0`)).length === 1);
    expect(Object.keys(await tree(archive))).toEqual([spooled]);

    clock += 59_999;
    await w.flushDue();
    expect(Object.keys(await tree(archive))).toEqual([spooled]);

    clock += 1;
    await w.flushDue();
    expect(await tree(archive)).toEqual({ [`${H09}/archive.test+0+0000000000+0000000001.json`]: lines(0, 1) });

    await publish(b, [2]);
    await until('the third record', () => w.stats().accepted === 3);
    clock += 59_999;
    await w.flushDue();
    expect(w.stats().pending).toBe(1);
    await w.stop();
    expect((await tree(archive))[`${H09}/archive.test+0+0000000002+0000000002.json`]).toBe(lines(2));
  });

  it('archives a value that is not one-line JSON on one line, bytes otherwise unchanged', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-10T09:00:00.000Z'));
    const b = await bus(1);
    await b.publish(TOPIC, ['not json\nsecond line', '{"ok":true}', 'a\r\nb', ''].map((v) => ({ key: '', value: Buffer.from(v), headers: {} })));
    const w = await writer({ bus: b });
    await until('4 records', () => w.stats().accepted === 4);
    await w.stop();
    expect(await tree(archive)).toEqual({
      [`${H09}/archive.test+0+0000000000+0000000003.json`]: 'not json\\nsecond line\n{"ok":true}\na\\r\\nb\n\n',
    });
  });

  it('after a crash between writing a file and the commit, skips what the files hold: no duplicate', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-10T09:00:00.000Z'));
    const b1 = await bus(1, true);
    await publish(b1, [0, 1, 2]);
    const crashing = new CrashingStore(store);
    crashing.dieAfterFile = true;
    await writer({ bus: b1, store: crashing, flushSize: 2 });
    await until('the crash', () => crashing.dead);
    // The process dies: its bus stops without committing the failed batch; the writer is never stopped.
    await b1.close();
    expect(Object.keys(await tree(archive))).toEqual([`${H09}/archive.test+0+0000000000+0000000001.json`]);

    const b2 = await bus(1, true);
    const w2 = await writer({ bus: b2, flushSize: 2 });
    await until('the redelivery', () => w2.stats().skipped + w2.stats().accepted === 3);
    await w2.stop();

    expect(w2.stats()).toMatchObject({ skipped: 2, accepted: 1 });
    expect(await tree(archive)).toEqual({
      [`${H09}/archive.test+0+0000000000+0000000001.json`]: lines(0, 1),
      [`${H09}/archive.test+0+0000000002+0000000002.json`]: lines(2),
    });
  });

  it('after a crash with records committed but only spooled, reloads them: nothing lost, nothing twice', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-10T09:00:00.000Z'));
    const b1 = await bus(1, true);
    await publish(b1, [0, 1, 2]);
    const w1 = await writer({ bus: b1, flushSize: 10 });
    await until('the spool segment', async () => (await store.list(`+tmp/${TOPIC}/0`)).length === 1);
    await b1.close(); // commits the spooled batch; w1 dies with its buffer in memory
    expect(w1.stats()).toMatchObject({ accepted: 3, files: 0 });

    const b2 = await bus(1, true);
    const w2 = await writer({ bus: b2, flushSize: 10 });
    await publish(b2, [3]);
    await until('the new record', () => w2.stats().accepted === 1);
    await w2.stop();

    expect(w2.stats()).toMatchObject({ skipped: 0, accepted: 1, archived: 4, files: 1 });
    expect(await tree(archive)).toEqual({ [`${H09}/archive.test+0+0000000000+0000000003.json`]: lines(0, 1, 2, 3) });
  });
});
