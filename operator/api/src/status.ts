import { z } from 'zod';
import { int } from './fields.js';
import { listType } from './rules.js';

/** The condition types a pipeline reports: the summary three, then one per part. */
export const CONDITION_TYPES = [
  'Ready',
  'Progressing',
  'Degraded',
  'TopicsReady',
  'GatewayReady',
  'IngestReady',
  'DocprocReady',
  'EmbeddingReady',
  'ArchiveReady',
  'AnalyticsReady',
] as const;

/** A metav1.Condition. */
export const Condition = z.strictObject({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32_768),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.iso.datetime(),
});
export type Condition = z.output<typeof Condition>;

const replicas = int(0, 100_000).optional();

/** What the operator reports; written only to /status. */
export const DocumentPipelineStatus = z.strictObject({
  observedGeneration: z.int().min(0).optional().describe('the generation the status describes'),
  conditions: listType(z.array(Condition).max(32), 'map', ['type']).optional(),
  replicas: z
    .strictObject({ gateway: replicas, ingest: replicas, docproc: replicas, embedding: replicas })
    .optional()
    .describe('ready replicas per component'),
  uploadUrl: z.string().max(2048).optional().describe('where clients upload documents'),
  connector: z
    .strictObject({
      arn: z.string().max(2048).optional(),
      state: z.string().max(64).optional(),
      message: z.string().max(4096).optional(),
    })
    .optional()
    .describe('the MSK Connect archive connector'),
  steps: z
    .strictObject({
      clusterId: z.string().max(256).optional().describe('the EMR cluster of the steps: where they are stopped once spec.analytics is removed or names another cluster'),
      streaming: z.strictObject({ id: z.string().max(256).optional(), state: z.string().max(64).optional() }).optional(),
      batch: z
        .strictObject({
          id: z.string().max(256).optional(),
          state: z.string().max(64).optional(),
          lastDay: z.iso.date().optional().describe('the last day a batch step was submitted for'),
          nextRun: z.iso.datetime().optional().describe('when the schedule fires next'),
        })
        .optional(),
    })
    .optional()
    .describe('the EMR steps of the analytics jobs'),
});
export type DocumentPipelineStatus = z.output<typeof DocumentPipelineStatus>;
