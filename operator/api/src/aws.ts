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

/** The archive: an MSK Connect S3 sink of the pipeline's topics (managed by the AWS part of the operator). */
export const ArchiveSpec = z
  .strictObject({
    enabled: z.boolean().default(true).describe('false: keep the settings, remove the connector'),
    pluginArn: arn('kafkaconnect', 'custom-plugin').describe('the MSK Connect custom plugin (the S3 sink connector)'),
    serviceExecutionRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/\S+$/)
      .describe('the IAM role the connector runs as'),
    capacity: Capacity,
    hdfsUrl: z
      .string()
      .regex(/^s3a?:\/\/[a-z0-9][a-z0-9.-]*[a-z0-9](\/\S*)?$/)
      .describe('where the sink writes, s3a://bucket[/prefix]'),
    topicsDir: z.string().min(1).max(256).default('topics'),
    flushSize: int(1, 1_000_000).default(1000).describe('records per object'),
    rotateIntervalMs: int(1000, 86_400_000).default(600_000).describe('longest an object stays open, ms'),
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
  .describe('the archive of the topics to S3 by MSK Connect');

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
      })
      .prefault({}),
    batch: Batch.optional(),
  })
  .describe('the Flink streaming job and the Spark batch job on EMR');

export type ArchiveSpec = z.output<typeof ArchiveSpec>;
export type AnalyticsSpec = z.output<typeof AnalyticsSpec>;
