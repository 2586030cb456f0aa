"""docpipe streaming analytics: embeddings.ready -> 1-minute windows per company -> analytics.flink.

A PyFlink entry point around Flink SQL. It reads the JSON values of the source topic, takes the
event time from `embedded_at` (epoch ms) with a bounded-out-of-orderness watermark, counts the
distinct `chunk_id`s per `company_id` in tumbling 1-minute windows (so a redelivered embedding never
inflates a count), and writes each closed window to the sink topic keyed by `company_id`:

    {"timestamp": <window start, epoch ms>, "window_end": <epoch ms>, "company_id": "...", "count": N}

A value that is not a JSON object with a non-empty string-like `chunk_id` and `company_id` and a
non-negative integer `embedded_at` is skipped (it neither counts nor moves the watermark) and
counted: a second statement of the same job prints the running total of skipped records as
`docpipe-flink-skipped> +I[N]` / `+U[N]` lines on the task manager's stdout.

Every Kafka option (brokers, topics, group, TLS, SASL/SCRAM, MSK IAM) comes from the command line;
a SASL password is read from a file, never from an argument. EMR runs this one file with
`flink run -py job.py ...`; tests run it with the virtualenv's python (`--bounded`, so it ends).
See jobs/flink/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import PurePosixPath
from typing import Mapping, Sequence

LOG = logging.getLogger("docpipe.flink")

WINDOW_MS = 60_000
SKIPPED_PRINT_IDENTIFIER = "docpipe-flink-skipped"
SCHEMA_VERSION = "1"
SHADED_KAFKA_PREFIX = "org.apache.flink.kafka.shaded."
MSK_IAM_LOGIN_MODULE = "software.amazon.msk.auth.iam.IAMLoginModule"
MSK_IAM_CALLBACK_HANDLER = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


class JobConfigError(ValueError):
    """A command line that cannot make a working job (reported before Flink starts)."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses the job's command line (the contract in the analytics docs)."""
    p = argparse.ArgumentParser(prog="job.py", description=__doc__.split("\n", 1)[0])
    p.add_argument("--bootstrap-servers", required=True, help="host:port[,host:port...]")
    p.add_argument("--source-topic", default="embeddings.ready")
    p.add_argument("--sink-topic", default="analytics.flink")
    p.add_argument("--group-id", required=True, help="consumer group of the source")
    p.add_argument("--watermark-seconds", type=int, default=30, help="bounded out-of-orderness")
    p.add_argument("--parallelism", type=int, default=1)
    p.add_argument("--startup-mode", choices=["earliest-offset", "group-offsets"], default="group-offsets",
                   help="group-offsets falls back to the earliest offset when the group has none")
    p.add_argument("--bounded", action="store_true",
                   help="stop at the offsets that were latest when the job started (tests, backfills)")
    p.add_argument("--security-protocol", choices=["PLAINTEXT", "SSL", "SASL_SSL"], default="PLAINTEXT")
    p.add_argument("--sasl-mechanism", choices=["SCRAM-SHA-512", "SCRAM-SHA-256", "AWS_MSK_IAM"])
    p.add_argument("--sasl-username")
    p.add_argument("--sasl-password-file", help="file whose content (trailing newline stripped) is the password")
    p.add_argument("--connector-jar", action="append", default=[],
                   help="jar URL(s) for pipeline.jars; repeat or separate with ';' "
                        "(default: $FLINK_KAFKA_CONNECTOR_JAR; none when the cluster provides them)")
    p.add_argument("--checkpoint-seconds", type=int, default=60,
                   help="checkpoint interval of an unbounded run (commits the group's offsets); 0 = off")
    p.add_argument("--idle-timeout-seconds", type=int, default=0,
                   help="mark a source partition idle after this long without records; 0 = never")
    p.add_argument("--local-heap", default="1g",
                   help="-Xmx of the JVM PyFlink starts for a local mini-cluster (ignored under `flink run`)")
    p.add_argument("--detached", action="store_true", help="submit and return instead of waiting for the job")
    args = p.parse_args(argv)
    validate_args(args)
    return args


def validate_args(args: argparse.Namespace) -> None:
    """Rejects combinations Flink would only fail on later, with a message naming the flag."""
    if args.watermark_seconds < 0:
        raise JobConfigError("--watermark-seconds must be >= 0")
    if args.parallelism < 1:
        raise JobConfigError("--parallelism must be >= 1")
    sasl = args.security_protocol == "SASL_SSL"
    if sasl != (args.sasl_mechanism is not None):
        raise JobConfigError("--sasl-mechanism goes with --security-protocol SASL_SSL (and only with it)")
    if args.sasl_mechanism in ("SCRAM-SHA-512", "SCRAM-SHA-256") and not (args.sasl_username and args.sasl_password_file):
        raise JobConfigError(f"--sasl-mechanism {args.sasl_mechanism} needs --sasl-username and --sasl-password-file")


def connector_jars(args: argparse.Namespace, env: Mapping[str, str]) -> list[str]:
    """The jars for pipeline.jars: the flags, else FLINK_KAFKA_CONNECTOR_JAR, split on ';'."""
    raw = args.connector_jar or [env.get("FLINK_KAFKA_CONNECTOR_JAR", "")]
    jars = [j.strip() for item in raw for j in item.split(";") if j.strip()]
    return [j if "://" in j else PurePosixPath(j).as_uri() for j in jars]


def kafka_class_prefix(jars: Sequence[str]) -> str:
    """The shaded SQL connector relocates Kafka's classes, and its JAAS config must name them so."""
    shaded = any(PurePosixPath(j).name.startswith("flink-sql-connector-kafka") for j in jars)
    return SHADED_KAFKA_PREFIX if shaded else ""


def read_password(path: str) -> str:
    """The SASL password from its file (a mounted secret); trailing newlines are not part of it."""
    try:
        with open(path, encoding="utf-8") as f:
            password = f.read().rstrip("\r\n")
    except OSError as err:
        raise JobConfigError(f"--sasl-password-file {path}: {err.strerror}") from err
    if not password:
        raise JobConfigError(f"--sasl-password-file {path} is empty")
    return password


def jaas_quote(value: str) -> str:
    """A JAAS option value in double quotes (Kafka's parser honours backslash escapes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def security_properties(args: argparse.Namespace, jars: Sequence[str]) -> dict[str, str]:
    """Kafka client properties for TLS / SASL, without the `properties.` prefix."""
    props = {"security.protocol": args.security_protocol}
    if args.sasl_mechanism == "AWS_MSK_IAM":
        if kafka_class_prefix(jars):
            raise JobConfigError("AWS_MSK_IAM needs the unshaded flink-connector-kafka + kafka-clients jars: "
                                 "aws-msk-iam-auth cannot implement the shaded SQL connector's interfaces")
        props.update({
            "sasl.mechanism": "AWS_MSK_IAM",
            "sasl.jaas.config": f"{MSK_IAM_LOGIN_MODULE} required;",
            "sasl.client.callback.handler.class": MSK_IAM_CALLBACK_HANDLER,
        })
    elif args.sasl_mechanism:
        module = kafka_class_prefix(jars) + SCRAM_LOGIN_MODULE
        user, password = jaas_quote(args.sasl_username), jaas_quote(read_password(args.sasl_password_file))
        props.update({
            "sasl.mechanism": args.sasl_mechanism,
            "sasl.jaas.config": f"{module} required username={user} password={password};",
        })
    return props


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def with_clause(options: Mapping[str, str]) -> str:
    """`WITH ('k' = 'v', ...)` of a CREATE TABLE."""
    body = ",\n  ".join(f"{sql_string(k)} = {sql_string(v)}" for k, v in options.items())
    return f"WITH (\n  {body}\n)"


def kafka_options(args: argparse.Namespace, topic: str, security: Mapping[str, str]) -> dict[str, str]:
    """Options every Kafka table of the job shares."""
    options = {"connector": "kafka", "topic": topic, "properties.bootstrap.servers": args.bootstrap_servers}
    options.update({f"properties.{k}": v for k, v in security.items()})
    return options


def source_options(args: argparse.Namespace, security: Mapping[str, str]) -> dict[str, str]:
    """Options both source tables share: group, start, end."""
    options = kafka_options(args, args.source_topic, security)
    options.update({
        "properties.group.id": args.group_id,
        "scan.startup.mode": args.startup_mode,
        # group-offsets without committed offsets starts here instead of failing.
        "properties.auto.offset.reset": "earliest",
    })
    if args.bounded:
        options["scan.bounded.mode"] = "latest-offset"
    return options


def valid_event_time() -> str:
    """The event time of a well-formed record, NULL for a malformed one (which then moves nothing).

    The fields are declared STRING so that no value makes the JSON format drop a row that is a
    JSON object: a wrong field is seen here, and counted, instead of vanishing.
    """
    embedded_at = "TRY_CAST(`embedded_at` AS BIGINT)"
    return (f"CASE WHEN `chunk_id` <> '' AND `company_id` <> '' AND {embedded_at} >= 0 "
            f"THEN TO_TIMESTAMP_LTZ({embedded_at}, 3) END")


def source_ddl(args: argparse.Namespace, security: Mapping[str, str]) -> str:
    """The events: the three fields the windows need, event time and watermark."""
    options = source_options(args, security)
    options.update({
        "format": "json",
        # A value that is not a JSON object is skipped here; the raw table below counts it.
        "json.ignore-parse-errors": "true",
        "json.fail-on-missing-field": "false",
        # One watermark per record that raises it, not every 200 ms: which records are
        # late then depends on the order of the records only, as in the local stand-in.
        "scan.watermark.emit.strategy": "on-event",
    })
    return f"""CREATE TEMPORARY TABLE embeddings_ready (
  `chunk_id` STRING,
  `company_id` STRING,
  `embedded_at` STRING,
  `event_time` AS {valid_event_time()},
  WATERMARK FOR `event_time` AS `event_time` - INTERVAL '{args.watermark_seconds}' SECOND
) {with_clause(options)}"""


def raw_source_ddl(args: argparse.Namespace, security: Mapping[str, str]) -> str:
    """The same records as text, only to count those the JSON format cannot read."""
    options = source_options(args, security)
    # It starts where the main source starts but never commits: the group's offsets stay the main source's.
    options.update({"format": "raw", "properties.commit.offsets.on.checkpoint": "false"})
    return f"CREATE TEMPORARY TABLE embeddings_ready_raw (`raw` STRING) {with_clause(options)}"


def sink_ddl(args: argparse.Namespace, security: Mapping[str, str]) -> str:
    """The sink: append-only (a window is emitted once, when it closes), key = company_id."""
    options = kafka_options(args, args.sink_topic, security)
    options.update({
        "key.format": "raw",
        "key.fields": "company_id",
        "value.format": "json",
        "value.fields-include": "ALL",
        # Kafka's own partitioner hashes the key, as every other producer of the pipeline does.
        "sink.partitioner": "default",
        "sink.delivery-guarantee": "at-least-once",
    })
    return f"""CREATE TEMPORARY TABLE analytics_windows (
  `timestamp` BIGINT,
  `window_end` BIGINT,
  `company_id` STRING,
  `count` BIGINT,
  `headers` MAP<STRING, BYTES> METADATA
) {with_clause(options)}"""


def skipped_sink_ddl() -> str:
    """Where the running count of skipped records goes: the task manager's stdout."""
    return f"""CREATE TEMPORARY TABLE skipped_records (`skipped` BIGINT)
{with_clause({"connector": "print", "print-identifier": SKIPPED_PRINT_IDENTIFIER})}"""


def valid_events_view() -> str:
    """Well-formed records only (the window TVF needs a non-NULL time attribute), time in epoch ms."""
    return """CREATE TEMPORARY VIEW valid_events AS
SELECT `chunk_id`, `company_id`, TRY_CAST(`embedded_at` AS BIGINT) AS `embedded_ms`, `event_time`
FROM embeddings_ready WHERE `event_time` IS NOT NULL"""


def windows_insert() -> str:
    """Tumbling 1-minute windows per company, distinct chunk ids.

    The window start is taken from the events themselves (every event of the window floors to it),
    which is exact epoch-ms arithmetic; the session time zone is UTC so the TVF's minute boundaries
    are the epoch's.
    """
    return f"""INSERT INTO analytics_windows
SELECT
  MIN(`embedded_ms`) - MOD(MIN(`embedded_ms`), {WINDOW_MS}) AS `timestamp`,
  MIN(`embedded_ms`) - MOD(MIN(`embedded_ms`), {WINDOW_MS}) + {WINDOW_MS} AS `window_end`,
  `company_id`,
  COUNT(DISTINCT `chunk_id`) AS `count`,
  MAP['schema-version', ENCODE('{SCHEMA_VERSION}', 'UTF-8')] AS `headers`
FROM TABLE(TUMBLE(TABLE valid_events, DESCRIPTOR(`event_time`), INTERVAL '1' MINUTE))
GROUP BY `window_start`, `window_end`, `company_id`"""


def skipped_insert() -> str:
    """The running total of skipped records: not a JSON object (raw side), or a field missing or wrong.

    Updates only when a record is skipped, so a healthy stream prints nothing.
    """
    return """INSERT INTO skipped_records
SELECT COUNT(*) FROM (
  SELECT 1 AS `one` FROM embeddings_ready_raw WHERE `raw` IS NULL OR NOT (`raw` IS JSON OBJECT)
  UNION ALL
  SELECT 1 AS `one` FROM embeddings_ready WHERE `event_time` IS NULL
)"""


def table_config(args: argparse.Namespace, jars: Sequence[str]) -> dict[str, str]:
    """Job configuration: parallelism, UTC, jars, checkpoints of an unbounded run, idleness."""
    config = {
        "pipeline.name": f"docpipe-analytics {args.source_topic} -> {args.sink_topic}",
        "parallelism.default": str(args.parallelism),
        "table.local-time-zone": "UTC",
    }
    if jars:
        config["pipeline.jars"] = ";".join(jars)
    if not args.bounded and args.checkpoint_seconds > 0:
        config["execution.checkpointing.interval"] = f"{args.checkpoint_seconds} s"
    if args.idle_timeout_seconds > 0:
        config["table.exec.source.idle-timeout"] = f"{args.idle_timeout_seconds} s"
    if is_local_run():
        config.update(LOCAL_MEMORY)
    return config


# The mini-cluster's off-heap pools, small: this job keeps little state (RocksDB is not used).
LOCAL_MEMORY = {
    "taskmanager.memory.managed.size": "64m",
    "taskmanager.memory.network.min": "32m",
    "taskmanager.memory.network.max": "32m",
}


def is_local_run() -> bool:
    """True when this process will start the JVM (no `flink run` client gave us a gateway)."""
    return "PYFLINK_GATEWAY_PORT" not in os.environ


def create_table_env(args: argparse.Namespace, config: Mapping[str, str]):  # -> TableEnvironment
    """A streaming TableEnvironment with `config` applied (imports PyFlink, which starts the JVM)."""
    if is_local_run():
        os.environ.setdefault("JVM_ARGS", f"-Xmx{args.local_heap} -XX:+UseSerialGC")
    from pyflink.table import EnvironmentSettings, TableEnvironment

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    conf = t_env.get_config()
    for key, value in config.items():
        conf.set(key, value)
    return t_env


def run(args: argparse.Namespace) -> None:
    """Builds the tables and submits both statements as one job; waits unless detached."""
    jars = connector_jars(args, os.environ)
    security = security_properties(args, jars)
    t_env = create_table_env(args, table_config(args, jars))
    ddls = (source_ddl(args, security), raw_source_ddl(args, security), sink_ddl(args, security),
            skipped_sink_ddl(), valid_events_view())
    for ddl in ddls:
        t_env.execute_sql(ddl)
    statements = t_env.create_statement_set()
    statements.add_insert_sql(windows_insert())
    statements.add_insert_sql(skipped_insert())
    result = statements.execute()
    job_id = result.get_job_client().get_job_id() if result.get_job_client() else "?"
    LOG.info("submitted job %s: %s -> %s (group %s, watermark %ss, %s)", job_id, args.source_topic,
             args.sink_topic, args.group_id, args.watermark_seconds, "bounded" if args.bounded else "unbounded")
    if args.detached:
        return
    result.wait()
    LOG.info("job %s finished", job_id)


def configure_logging() -> None:
    """The job's own lines on stderr; PyFlink and Beam keep their loggers (and their levels) to themselves."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(handler)
    LOG.setLevel(logging.INFO)
    LOG.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 when the job ran (or was submitted), 2 on a bad command line, 1 on failure."""
    configure_logging()
    try:
        args = parse_args(argv)
        run(args)
    except JobConfigError as err:
        LOG.error("%s", err)
        return 2
    except Exception:  # noqa: BLE001 - the job's failure is reported once, with its cause, then exit 1
        LOG.exception("flink job failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
