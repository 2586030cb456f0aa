import { z } from 'zod';
import { dnsSubdomain, stringMap } from './fields.js';
import { DocumentPipelineSpec } from './spec.js';
import { DocumentPipelineStatus } from './status.js';

export const GROUP = 'docpipe.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'DocumentPipeline';
export const PLURAL = 'documentpipelines';

/**
 * Children are named `<pipeline>-<component>` and some are Services, whose
 * names are DNS-1035 labels of at most 63 characters: the pipeline's name is a
 * DNS-1035 label short enough to leave room for the longest suffix.
 */
export const MAX_PIPELINE_NAME = 40;
export const PIPELINE_NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

const PipelineMetadata = z.looseObject({
  name: z.string().max(MAX_PIPELINE_NAME).regex(new RegExp(PIPELINE_NAME_PATTERN)),
  namespace: dnsSubdomain.max(63).optional(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

/** A DocumentPipeline as read from a manifest or the API server, defaults applied. */
export const DocumentPipeline = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: PipelineMetadata,
  spec: DocumentPipelineSpec,
  status: DocumentPipelineStatus.optional(),
});
export type DocumentPipeline = z.output<typeof DocumentPipeline>;
export type DocumentPipelineInput = z.input<typeof DocumentPipeline>;

/** A manifest that is not a valid DocumentPipeline; each problem names its field. */
export class InvalidPipelineError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid DocumentPipeline:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'InvalidPipelineError';
  }
}

/** Validates a manifest (the CRD's schema and CEL rules, in TypeScript) and applies the defaults; throws InvalidPipelineError. */
export function parseDocumentPipeline(manifest: unknown): DocumentPipeline {
  const parsed = DocumentPipeline.safeParse(manifest);
  if (parsed.success) return parsed.data;
  throw new InvalidPipelineError(parsed.error.issues.map(describeIssue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(document)';
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${field}.${key}: unknown field`).join('; ');
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field}: required`;
  return `${field}: ${issue.message}`;
}
