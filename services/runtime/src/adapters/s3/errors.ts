/** The parts of an AWS SDK error we look at; S3ServiceException has them. */
interface AwsErrorShape {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shape(err: unknown): AwsErrorShape {
  return typeof err === 'object' && err !== null ? (err as AwsErrorShape) : {};
}

/** True for GetObject's NoSuchKey; a missing bucket is a misconfiguration, not a missing object. */
export function isNoSuchKey(err: unknown): boolean {
  return shape(err).name === 'NoSuchKey';
}

/** True for any 404: HEAD responses have no body, so S3 cannot say which thing was missing. */
export function isNotFound(err: unknown): boolean {
  const e = shape(err);
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
