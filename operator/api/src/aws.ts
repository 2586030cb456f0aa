import { z } from 'zod';
import { int } from './fields.js';
import { withRules } from './rules.js';

const arn = (service: string, resource: string) => z.string().regex(new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]*:[0-9]{12}:${resource}/\\S+$`));
const mcuCount = z.literal([1, 2, 4, 8]).default(1).describe('MSK Connect units per worker');

const Autoscaling = withRules(
  z.strictObject({
    minWorkers: int(1, 10).default(1),
    maxWorkers: int(1, 10).default(2),
    mcuCount,
  }),
  [
    {
      rule: 'self.minWorkers <= self.maxWorkers',
      message: 'minWorkers must not exceed maxWorkers',
      fieldPath: '.minWorkers',
      holds: (a) => a.minWorkers <= a.maxWorkers,
    },
  ],
);

const Capacity = withRules(
  z
    .strictObject({
      autoscaling: Autoscaling.optional(),
      provisioned: z.strictObject({ workerCount: int(1, 10).default(1), mcuCount }).optional(),
    })
    .describe('MSK Connect capacity: exactly one of autoscaling or provisioned'),
  [
    {
      rule: 'has(self.autoscaling) != has(self.provisioned)',
      message: 'set exactly one of autoscaling or provisioned',
      holds: (c) => (c.autoscaling === undefined) !== (c.provisioned === undefined),
    },
  ],
);

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:[0-9]{1,5}$/);

const ArchiveKafka = z
  .strictObject({
    bootstrapServers: z
      .array(hostPort)
      .min(1)
      .max(32)
      .optional()
      .describe("the brokers the connector reads from (default: spec.kafka.bootstrapServers); MSK: the IAM (9098) or TLS (9094) bootstrap string"),
    authentication: z
      .enum(['none', 'iam'])
      .optional()
      .describe('how the connector authenticates: none, or iam (MSK IAM as the service execution role); default: iam when spec.kafka.auth is aws-iam, else none'),
    tls: z.boolean().optional().describe('TLS in transit to the brokers (default: spec.kafka.tls)'),
  })
  .describe('the Kafka connection of the connector; MSK Connect knows no SCRAM, so a SCRAM pipeline names its IAM or TLS listener here');

/** The archive: an MSK Connect HDFS 3 sink of the pipeline's topics (managed by the AWS part of the operator). */
export const ArchiveSpec = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false: keep the settings, remove the connector'),
    pluginArn: arn('kafkaconnect', 'custom-plugin').describe('the MSK Connect custom plugin holding the Confluent HDFS 3 sink connector'),
    pluginRevision: int(1, 1_000_000).default(1).describe('the revision of the custom plugin'),
    serviceExecutionRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/\S+$/)
      .describe('the IAM role the connector runs as'),
    kafkaConnectVersion: z.enum(['3.7.x', '2.7.1']).default('3.7.x').describe('the Apache Kafka Connect version MSK Connect runs'),
    capacity: Capacity,
    tasksMax: int(1, 1000).default(3).describe('tasks.max of the connector (autoscaling capacity overrides it)'),
    hdfsUrl: z
      .string()
      .regex(/^(hdfs:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?|s3a:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9])(\/\S*)?$/)
      .describe('where the sink writes: hdfs://namenode:8020 (the EMR cluster\'s HDFS) or s3a://bucket[/prefix]'),
    topicsDir: z.string().min(1).max(256).default('topics'),
    logsDir: z.string().min(1).max(256).optional().describe('write-ahead logs of the sink, one per connector (default: logs/<namespace>/<name>)'),
    flushSize: int(1, 1_000_000).default(1000).describe('records per object'),
    rotateIntervalMs: int(1000, 86_400_000).default(600_000).describe('longest an object stays open, ms'),
    kafka: ArchiveKafka.optional(),
    logGroup: z.string().min(1).max(512).optional().describe('a CloudWatch Logs group for the worker logs; unset: no log delivery'),
    vpc: z.strictObject({
      subnets: z
        .array(z.string().regex(/^subnet-[0-9a-f]+$/))
        .min(1)
        .max(16),
      securityGroups: z
        .array(z.string().regex(/^sg-[0-9a-f]+$/))
        .min(1)
        .max(5),
    }),
  })
  .describe('the archive of the topics to HDFS by the MSK Connect HDFS 3 sink');

// Five cron fields, each of digits, *, ranges, steps and lists; names like MON are left to the server.
const cron = z.string().regex(/^(\S+\s+){4}\S+$/);
const date = z.iso.date();

const Batch = z
  .strictObject({
    enabled: z.boolean().default(true),
    schedule: cron.default('0 2 * * *').describe('when the daily batch job runs (cron, five fields)'),
    timeZone: z.string().min(1).max(64).default('UTC').describe('IANA time zone of the schedule and of the day a run covers'),
    outputPath: z
      .string()
      .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9](\/\S*)?$/)
      .describe('where the batch job writes, s3://bucket/prefix'),
    backfill: withRules(z.strictObject({ from: date, to: date }), [
      { rule: 'self.from <= self.to', message: 'from must not be after to', fieldPath: '.from', holds: (b) => b.from <= b.to },
    ])
      .optional()
      .describe('days to (re)compute once, inclusive'),
  })
  .describe('the daily Spark batch job; unset: none');

/** The analytics jobs on EMR: a streaming step kept running and a daily batch step. */
export const AnalyticsSpec = z
  .strictObject({
    emrClusterId: z.string().regex(/^j-[A-Z0-9]{1,64}$/),
    scriptsBucket: z
      .string()
      .min(3)
      .max(63)
      .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/),
    scriptsPrefix: z.string().max(512).default('docpipe/analytics/'),
    streaming: z
      .strictObject({
        enabled: z.boolean().default(true),
        parallelism: int(1, 1024).default(2),
        watermarkSeconds: int(0, 86_400).default(30),
        saslJaasConfigFile: z
          .string()
          .regex(/^\/\S+$/)
          .max(1024)
          .optional()
          .describe('with SCRAM: a JAAS file on the EMR master holding the credentials (put there by a bootstrap action)'),
      })
      .prefault({}),
    batch: Batch.optional(),
  })
  .describe('the Flink streaming job and the Spark batch job on EMR');

export type ArchiveSpec = z.output<typeof ArchiveSpec>;
export type AnalyticsSpec = z.output<typeof AnalyticsSpec>;
