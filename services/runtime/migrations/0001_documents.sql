-- Documents and their status (DESIGN §3). Status only moves forward:
-- uploaded → processing → chunked → embedded, or failed.
CREATE TABLE documents (
  id              uuid        PRIMARY KEY,
  company_id      text        NOT NULL,
  filename        text        NOT NULL,
  content_type    text        NOT NULL,
  size_bytes      bigint      NOT NULL CHECK (size_bytes >= 0),
  sha256          text        NOT NULL,
  s3_path         text        NOT NULL,
  status          text        NOT NULL DEFAULT 'uploaded'
                  CHECK (status IN ('uploaded', 'processing', 'chunked', 'embedded', 'failed')),
  chunks_total    integer     NOT NULL DEFAULT 0 CHECK (chunks_total >= 0),
  chunks_embedded integer     NOT NULL DEFAULT 0 CHECK (chunks_embedded >= 0),
  error           text        NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- GET /ingest/status: a company's documents newest first, keyset-paginated.
CREATE INDEX documents_company_created_idx ON documents (company_id, created_at DESC, id DESC);

-- countByStatus (metrics) scans this instead of the whole table.
CREATE INDEX documents_status_idx ON documents (status);

-- One row per chunk ever seen, so counts stay exact when messages are redelivered
-- and when embeddings.ready overtakes chunks.processed.
CREATE TABLE document_chunks (
  document_id uuid    NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  chunk_id    text    NOT NULL,
  chunk_index integer NOT NULL CHECK (chunk_index >= 0),
  chunked     boolean NOT NULL DEFAULT false,
  embedded    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (document_id, chunk_id)
);

-- Transactional outbox: written with the document, relayed to the bus afterwards.
-- document_id names the document the relay moves uploaded → processing.
CREATE TABLE outbox (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic       text        NOT NULL,
  key         text        NOT NULL,
  value       bytea       NOT NULL,
  headers     jsonb       NOT NULL DEFAULT '{}'::jsonb,
  document_id uuid        NULL REFERENCES documents (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_created_idx ON outbox (created_at, id);

-- The order of statuses, so updates can keep the later of two.
CREATE FUNCTION docpipe_status_rank(status text) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE status
                 WHEN 'uploaded' THEN 0
                 WHEN 'processing' THEN 1
                 WHEN 'chunked' THEN 2
                 WHEN 'embedded' THEN 3
                 WHEN 'failed' THEN 4
               END $$;
