import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsCall, AwsCallError } from '../errors.js';
import type { ScriptStore } from '../ports.js';

/** The ScriptStore over @aws-sdk/client-s3. */
export function s3ScriptStore(client: S3Client): ScriptStore {
  return {
    async exists(bucket, key) {
      try {
        await awsCall('HeadObject', () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
        return true;
      } catch (err) {
        // HEAD has no body: a missing key is a bare 404 named NotFound.
        if (err instanceof AwsCallError && (err.code === 'NotFound' || err.code === 'NoSuchKey')) return false;
        throw err;
      }
    },
    async put(bucket, key, body) {
      await awsCall('PutObject', () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/x-python' })));
    },
  };
}
