import { z } from 'zod';
import type { S3ObjectStoreOptions } from './object-store.js';

const MIB = 1024 * 1024;

/**
 * The S3 ObjectStore's variables; services merge it with
 * `BaseConfig.extend(S3Config.shape)`. Credentials are deliberately absent:
 * the SDK's default provider chain finds them (IRSA or Pod Identity on EKS,
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY locally).
 */
export const S3Config = z.object({
  S3_BUCKET: z.string().min(3).max(63),
  AWS_REGION: z.string().min(1),
  /** Only for S3-compatible servers (moto, MinIO); unset on AWS. */
  S3_ENDPOINT: z.url().optional(),
  S3_FORCE_PATH_STYLE: z.stringbool().default(false),
  /**
   * S3 refuses parts under 5 MiB (except the last) and over 5 GiB. An upload
   * holds (queue 4 + 1) part buffers (multipart.ts): 5 MiB is the least memory
   * (bench/RESULTS.md); 10 000 parts of 5 MiB still allow 48 GiB objects.
   */
  S3_PART_SIZE_MB: z.coerce.number().int().min(5).max(5120).default(5),
});
export type S3Config = z.infer<typeof S3Config>;

/** The options of createS3ObjectStore that S3Config determines. */
export function s3StoreOptions(config: S3Config): S3ObjectStoreOptions {
  return {
    bucket: config.S3_BUCKET,
    region: config.AWS_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
    partSizeBytes: config.S3_PART_SIZE_MB * MIB,
  };
}
