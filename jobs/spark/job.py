"""docpipe's daily Spark job: distinct chunks per (document_id, company_id) of one day.

Reads the archive of the `embeddings.ready` topic for day D (UTC) as the HDFS sink
lays it out, ``<archive>/embeddings.ready/year=YYYY/month=MM/day=dd/hour=HH/*.json``
(JSON lines, one record value per line), counts the distinct ``chunk_id`` of each
``(document_id, company_id)`` and writes Parquet to ``<output>/dt=YYYY-MM-DD/``,
replacing that partition only: a rerun of a day gives the same rows, other days
stay untouched.

Columns: ``document_id`` string, ``company_id`` string, ``chunk_count`` bigint,
sorted by company_id, document_id. A line counts as malformed, and is skipped,
unless it is a JSON object whose ``chunk_id``, ``document_id`` and ``company_id``
are non-empty JSON strings. A missing day gives an empty partition (a Parquet file
with the schema and no rows, and _SUCCESS) and a log line, and exits 0.

The summary, the only line on stdout: ``day=YYYY-MM-DD rows=N malformed=M``.

    spark-submit job.py --archive hdfs:///topics --output s3://bucket/reports [--date 2025-01-31]

Self-contained on purpose: EMR runs this one file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from dataclasses import dataclass, field
from typing import Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType

TOPIC = "embeddings.ready"
ID_FIELDS = ("chunk_id", "document_id", "company_id")
LOG = logging.getLogger("docpipe-spark-job")

# Only the fields the job needs: the JSON parser skips the rest (the vector) cheaply.
RECORD_SCHEMA = StructType([StructField(name, StringType(), True) for name in ID_FIELDS])
OUTPUT_SCHEMA = StructType(
    [
        StructField("document_id", StringType(), False),
        StructField("company_id", StringType(), False),
        StructField("chunk_count", LongType(), False),
    ]
)


@dataclass(frozen=True)
class JobArgs:
    """The job's command line, parsed."""

    archive: str
    output: str
    day: dt.date
    master: str | None = None
    conf: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DayResult:
    """What one run found: output rows and skipped lines."""

    day: dt.date
    rows: int
    malformed: int

    def summary(self) -> str:
        """The one summary line both the Spark job and the DuckDB report print."""
        return f"day={self.day.isoformat()} rows={self.rows} malformed={self.malformed}"


def yesterday_utc(now: dt.datetime | None = None) -> dt.date:
    """The default day: yesterday in UTC, whatever the machine's zone."""
    current = now or dt.datetime.now(dt.timezone.utc)
    return current.astimezone(dt.timezone.utc).date() - dt.timedelta(days=1)


def parse_day(text: str) -> dt.date:
    """YYYY-MM-DD, a real calendar date; argparse turns the ValueError into a usage error."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--date must be a calendar date YYYY-MM-DD, got {text!r}") from None


def parse_conf(text: str) -> tuple[str, str]:
    """One --conf key=value."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--conf must be key=value, got {text!r}")
    return key, value


def parse_args(argv: Sequence[str]) -> JobArgs:
    """Reads the command line (the contract in jobs/spark/README.md)."""
    parser = argparse.ArgumentParser(prog="job.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", required=True, help="URL of the archive's topics dir (hdfs://…/topics, s3://…, file:///…)")
    parser.add_argument("--output", required=True, help="URL of the report; the day goes to <output>/dt=YYYY-MM-DD/")
    parser.add_argument("--date", type=parse_day, default=None, help="day D, YYYY-MM-DD (default: yesterday, UTC)")
    parser.add_argument("--master", default=None, help="Spark master for local runs, e.g. local[2] (spark-submit sets it on EMR)")
    parser.add_argument("--conf", type=parse_conf, action="append", default=[], help="extra Spark setting key=value (repeatable)")
    ns = parser.parse_args(list(argv))
    return JobArgs(ns.archive, ns.output, ns.date or yesterday_utc(), ns.master, dict(ns.conf))


def day_glob(archive: str, day: dt.date) -> str:
    """The files of day D in the archive layout, every hour."""
    root = archive.rstrip("/")
    return f"{root}/{TOPIC}/year={day.year:04d}/month={day.month:02d}/day={day.day:02d}/hour=*/*.json"


def partition_path(output: str, day: dt.date) -> str:
    """The output partition of day D."""
    return f"{output.rstrip('/')}/dt={day.isoformat()}"


def build_session(args: JobArgs) -> SparkSession:
    """The session; dynamic partition overwrite so a write replaces dt=D only."""
    builder = SparkSession.builder.appName(f"docpipe-daily-{args.day.isoformat()}")
    if args.master:
        builder = builder.master(args.master)
    builder = builder.config("spark.sql.sources.partitionOverwriteMode", "dynamic")
    builder = builder.config("spark.ui.showConsoleProgress", "false")  # progress bars garble the step log
    for key, value in args.conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def day_exists(spark: SparkSession, pattern: str) -> bool:
    """Whether any file matches: a glob matching nothing makes Spark's reader fail."""
    jvm = spark.sparkContext._jvm  # the Hadoop FileSystem API, for hdfs://, s3:// and file:// alike
    path = jvm.org.apache.hadoop.fs.Path(pattern)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    matches = fs.globStatus(path)
    return matches is not None and len(matches) > 0


def is_json_string(line: Column, name: str) -> Column:
    """The raw line holds `"name": "` — the value is a JSON string, not a number or object.

    Spark's JSON parser renders any scalar as text for a string column (42 → "42"),
    so the type is checked on the line itself. Inside a JSON string every quote is
    escaped, so this cannot match text within another field's value.
    """
    return line.rlike(f'"{name}"\\s*:\\s*"')


def with_validity(lines: DataFrame) -> DataFrame:
    """Parses each line (PERMISSIVE: bad JSON gives nulls, never fails) and flags the good ones."""
    parsed = lines.select(F.col("value").alias("line"), F.from_json("value", RECORD_SCHEMA, {"mode": "PERMISSIVE"}).alias("r"))
    checks = [F.ltrim(F.col("line")).startswith("{")]
    for name in ID_FIELDS:
        value = F.col(f"r.{name}")
        checks.append(value.isNotNull() & (F.length(value) > 0) & is_json_string(F.col("line"), name))
    valid = checks[0]
    for check in checks[1:]:
        valid = valid & check
    return parsed.select(*(F.col(f"r.{n}").alias(n) for n in ID_FIELDS), F.coalesce(valid, F.lit(False)).alias("valid"))


def count_day(records: DataFrame) -> DataFrame:
    """Distinct chunks per (document, company); malformed lines form one group with null keys."""
    keyed = records.select(
        F.when(F.col("valid"), F.col("document_id")).alias("document_id"),
        F.when(F.col("valid"), F.col("company_id")).alias("company_id"),
        F.when(F.col("valid"), F.col("chunk_id")).alias("chunk_id"),
        F.col("valid"),
    )
    return keyed.groupBy("valid", "document_id", "company_id").agg(
        F.countDistinct("chunk_id").alias("chunk_count"), F.count(F.lit(1)).alias("lines")
    )


def malformed_lines(groups: DataFrame) -> int:
    """The lines of the malformed group (0 when every line was good)."""
    row = groups.filter(~F.col("valid")).agg(F.sum("lines").alias("n")).first()
    return int(row["n"] or 0) if row is not None else 0


def report_rows(groups: DataFrame) -> DataFrame:
    """The output rows in the contract's columns, one sorted file (a day's report is small)."""
    rows = groups.filter(F.col("valid")).select(
        "document_id", "company_id", F.col("chunk_count").cast(LongType()).alias("chunk_count")
    )
    return rows.repartition(1).sortWithinPartitions("company_id", "document_id")


def write_partition(rows: DataFrame, args: JobArgs) -> None:
    """Replaces <output>/dt=D with `rows`: dynamic overwrite touches no other dt=."""
    rows.withColumn("dt", F.lit(args.day.isoformat())).write.mode("overwrite").partitionBy("dt").parquet(args.output)


def write_empty_partition(spark: SparkSession, args: JobArgs) -> None:
    """An empty day still replaces dt=D (dynamic overwrite of no rows would keep an old one)."""
    empty = spark.createDataFrame([], OUTPUT_SCHEMA).repartition(1)
    empty.write.mode("overwrite").parquet(partition_path(args.output, args.day))


def run(spark: SparkSession, args: JobArgs) -> DayResult:
    """Reads day D, writes its partition, and says what it found."""
    pattern = day_glob(args.archive, args.day)
    if not day_exists(spark, pattern):
        LOG.warning("no archive files for day %s under %s: writing an empty partition", args.day, pattern)
        write_empty_partition(spark, args)
        return DayResult(args.day, 0, 0)
    groups = count_day(with_validity(spark.read.text(pattern))).persist()
    try:
        malformed = malformed_lines(groups)
        rows = report_rows(groups)
        count = rows.count()
        if count == 0:
            write_empty_partition(spark, args)
        else:
            write_partition(rows, args)
    finally:
        groups.unpersist()
    if malformed:
        LOG.warning("skipped %d malformed line(s) of day %s", malformed, args.day)
    return DayResult(args.day, count, malformed)


def main(argv: Sequence[str] | None = None) -> int:
    """The job's entry point: exit 0 on success (an empty day included), 2 on a bad command line."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    args = parse_args(sys.argv[1:] if argv is None else argv)
    spark = build_session(args)
    spark.sparkContext.setLogLevel("WARN")
    try:
        LOG.info("day %s: reading %s, writing %s", args.day, day_glob(args.archive, args.day), partition_path(args.output, args.day))
        result = run(spark, args)
    finally:
        spark.stop()
    LOG.info(result.summary())
    print(result.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
