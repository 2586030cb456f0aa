import { readFile } from 'node:fs/promises';
import { DocprocConfig } from '@docpipe/docproc';
import { EmbeddingConfig } from '@docpipe/embedding';
import { GatewayConfig } from '@docpipe/gateway';
import { IngestConfig } from '@docpipe/ingest';
import { LocalConfig } from '@docpipe/local';
import { ReportConfig } from '@docpipe/analytics';
import { OperatorConfig } from '@docpipe/operator';
import { describe, expect, it } from 'vitest';
// Each service's process schema (its config plus the adapters'); not in the packages' index, so local mode never loads an SDK.
import { DocprocMainConfig } from '../services/docproc/src/main-config.js';
import { EmbeddingMainConfig } from '../services/embedding/src/main-config.js';
import { GatewayMainConfig } from '../services/gateway/src/main-config.js';
import { IngestMainConfig } from '../services/ingest/src/main-config.js';

const schemas = {
  DocprocConfig,
  EmbeddingConfig,
  GatewayConfig,
  IngestConfig,
  LocalConfig,
  DocprocMainConfig,
  EmbeddingMainConfig,
  GatewayMainConfig,
  IngestMainConfig,
  OperatorConfig,
  ReportConfig,
};

describe('README', () => {
  it.each(Object.entries(schemas))('documents every variable of %s in its configuration table', async (_name, schema) => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
    const missing = Object.keys(schema.shape).filter((variable) => !documented.has(variable));
    expect(missing).toEqual([]);
  });

  it('starts with the two commands a newcomer runs', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm ci && npm start\b/m);
    expect(firstBlock).toMatch(/^npm ci && npm test\b/m);
  });
});
