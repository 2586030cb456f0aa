// The daily report's SQL: the same rules as jobs/spark/job.py, line for line.
//
// Lines are split as Hadoop's LineRecordReader (Spark's text source) splits them:
// \n, \r\n and \r end a line, one terminator at the end of a file adds no line,
// an empty file has none, and a blank line in the middle is a (malformed) line.
// A line is good when it is a JSON object whose chunk_id, document_id and
// company_id are non-empty JSON strings; anything else is counted as malformed.

const CR = 'chr(13)';
const LF = 'chr(10)';

/** Every line terminator as \n: CRLF first, then a lone CR (a plain split is ~6× faster than a regex one). */
const NORMALIZED = `CASE WHEN contains(content, ${CR}) THEN replace(replace(content, ${CR} || ${LF}, ${LF}), ${CR}, ${LF}) ELSE content END`;

/** The three ids, in this order, extracted with one parse of the line. */
const ID_PATHS = `['$.chunk_id', '$.document_id', '$.company_id']`;

/**
 * One row per (valid, document_id, company_id): distinct chunks and lines. The
 * malformed lines form a single group with valid = false and null keys. $1 is
 * the list of files. A line whose root is not an object has no `$.x`, so
 * "three JSON strings" implies "an object".
 */
export const GROUPS_SQL = `
CREATE TEMP TABLE groups AS
WITH files AS (SELECT ${NORMALIZED} AS body FROM read_text($1) WHERE content <> ''),
split AS (SELECT string_split(body, ${LF}) AS parts, suffix(body, ${LF}) AS terminated FROM files),
lines AS (SELECT unnest(CASE WHEN terminated THEN list_slice(parts, 1, len(parts) - 1) ELSE parts END) AS line FROM split),
fields AS (SELECT json_extract(TRY_CAST(line AS JSON), ${ID_PATHS}) AS v FROM lines),
checked AS (
  SELECT
    json_extract_string(v[1], '$') AS chunk_id,
    json_extract_string(v[2], '$') AS document_id,
    json_extract_string(v[3], '$') AS company_id,
    coalesce(list_transform(v, x -> json_type(x)) = ['VARCHAR', 'VARCHAR', 'VARCHAR']
      AND json_extract_string(v[1], '$') <> ''
      AND json_extract_string(v[2], '$') <> ''
      AND json_extract_string(v[3], '$') <> '', false) AS valid
  FROM fields)
SELECT
  valid,
  CASE WHEN valid THEN document_id END AS document_id,
  CASE WHEN valid THEN company_id END AS company_id,
  count(DISTINCT CASE WHEN valid THEN chunk_id END)::BIGINT AS chunk_count,
  count(*)::BIGINT AS lines
FROM checked
GROUP BY ALL`;

/** The groups table when there is no file for the day. */
export const EMPTY_GROUPS_SQL = `
CREATE TEMP TABLE groups (valid BOOLEAN, document_id VARCHAR, company_id VARCHAR, chunk_count BIGINT, lines BIGINT)`;

/** rows (good groups) and malformed (lines of the bad group). */
export const TOTALS_SQL = `
SELECT
  count(*) FILTER (WHERE valid)::BIGINT AS rows,
  coalesce(sum(lines) FILTER (WHERE NOT valid), 0)::BIGINT AS malformed
FROM groups`;

/** The report's rows in the contract's columns and order. */
const ROWS_SQL = `SELECT document_id, company_id, chunk_count FROM groups WHERE valid ORDER BY company_id, document_id`;

/** A SQL string literal (COPY … TO takes no parameter). */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Writes the rows, in order, to one Parquet file. */
export function copyRowsSql(file: string): string {
  return `COPY (${ROWS_SQL}) TO ${sqlString(file)} (FORMAT parquet)`;
}

/** Reads the rows of a partition directory back, in the contract's order. */
export function readPartitionSql(directory: string): string {
  const files = sqlString(`${directory}/*.parquet`);
  return `SELECT document_id, company_id, chunk_count FROM read_parquet(${files}, hive_partitioning = false) ORDER BY company_id, document_id`;
}
