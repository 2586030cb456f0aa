// The S3 ObjectStore: `@docpipe/runtime/s3`, a subpath so local mode never loads the AWS SDK.
export { S3Config, s3StoreOptions } from './config.js';
export { createS3Client, createS3ObjectStore, type S3ObjectStoreOptions } from './object-store.js';
