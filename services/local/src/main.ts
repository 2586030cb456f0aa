import { relative } from 'node:path';
import { ConfigError, createLogger, explain, onShutdown } from '@docpipe/runtime';
import { loadLocalConfig } from './config.js';
import { startLocal } from './local.js';

const USAGE = `docpipe local mode — the whole pipeline in one process, no infrastructure.

Runs ingest, docproc, embedding and the gateway on embedded adapters: an
on-disk event log instead of Kafka, a directory instead of S3, PGlite instead
of PostgreSQL and a deterministic local embedder instead of OpenAI. The topics
are archived under <data>/archive/topics (the HDFS sink's layout) and a window
counter publishes analytics.flink as the Flink job would. All state lives in one
data directory and survives restarts.

Usage: npm start            (or: node services/local/dist/main.js)

Environment:
  PORT                  gateway port (default 8080; 0 picks a free one)
  HOST                  gateway address (default 127.0.0.1)
  DOCPIPE_DATA_DIR      data directory (default ./.docpipe)
  EMBEDDING_DIMENSIONS  vector size of the local embedder (default 1536)
  ARCHIVE_FLUSH_SIZE    records per archive file at most (default 1000)
  ARCHIVE_ROTATE_MS     an archive buffer is written when this old (default 60000)
  ANALYTICS_WATERMARK_SECONDS  event-time lateness allowed by the window counter (default 30)
  MAX_UPLOAD_BYTES      largest accepted upload (default 100 MiB)
  DEFAULT_COMPANY_ID    company used when X-Company-ID is absent
  LOG_LEVEL             fatal|error|warn|info|debug|trace|silent (default info)
  LOG_FORMAT            json|pretty (default: pretty on a terminal)
  Every other variable of ingest, docproc, embedding and the gateway works too.

Then open the URL it prints, or:
  curl -F file=@paper.pdf http://localhost:8080/ingest/upload
  curl http://localhost:8080/ingest/status/<document_id>
  npm run report -- --date YYYY-MM-DD      (the daily report from the archive, as Parquet)
`;

/** A URL and a directory as a person would type them. */
function friendly(url: string, dataDir: string): { url: string; dataDir: string } {
  const rel = relative(process.cwd(), dataDir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dataDir : `./${rel}`;
  return { url: url.replace('//127.0.0.1:', '//localhost:'), dataDir: shown };
}

async function main(): Promise<void> {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(USAGE);
    return;
  }
  const settings = loadLocalConfig();
  const logger = createLogger({ name: 'docpipe-local', level: settings.local.LOG_LEVEL, format: settings.local.LOG_FORMAT });
  const mode = await startLocal({ settings, logger });
  const shown = friendly(mode.url, mode.dataDir);
  logger.info({ url: mode.url, dataDir: mode.dataDir }, `docpipe local mode: ${shown.url} — data in ${shown.dataDir}`);
  onShutdown(logger, [{ name: 'local mode', stop: () => mode.stop() }]);
}

// As every service's main: a bad configuration exits 2 naming each variable, a failed start exits 1.
main().catch((err: unknown) => {
  process.stderr.write(explain('docpipe local mode', err));
  process.exit(err instanceof ConfigError ? 2 : 1);
});
