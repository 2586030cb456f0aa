import { EMRClient } from '@aws-sdk/client-emr';
import { KafkaConnectClient } from '@aws-sdk/client-kafkaconnect';
import { S3Client } from '@aws-sdk/client-s3';

/** The SDK clients the AWS parts use. */
export interface AwsClients {
  kafkaConnect: KafkaConnectClient;
  emr: EMRClient;
  s3: S3Client;
  destroy(): void;
}

export interface AwsClientOptions {
  /** Default: the SDK's (AWS_REGION, the profile, IMDS). */
  region?: string;
  /**
   * Explicit endpoints, for tests. Without them the SDK itself honours
   * AWS_ENDPOINT_URL_KAFKACONNECT, AWS_ENDPOINT_URL_EMR, AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL.
   */
  endpoints?: { kafkaConnect?: string; emr?: string; s3?: string };
  /** Path-style S3 URLs (MinIO, moto). */
  s3ForcePathStyle?: boolean;
  /** SDK attempts per call (default the SDK's 3); the controller retries on top with its own backoff. */
  maxAttempts?: number;
}

/** Clients with credentials from the default provider chain (IRSA or EKS Pod Identity on EKS). */
export function createAwsClients(opts: AwsClientOptions = {}): AwsClients {
  const common = { ...(opts.region ? { region: opts.region } : {}), ...(opts.maxAttempts ? { maxAttempts: opts.maxAttempts } : {}) };
  const at = (endpoint: string | undefined) => (endpoint ? { endpoint } : {});
  const kafkaConnect = new KafkaConnectClient({ ...common, ...at(opts.endpoints?.kafkaConnect) });
  const emr = new EMRClient({ ...common, ...at(opts.endpoints?.emr) });
  const s3 = new S3Client({ ...common, ...at(opts.endpoints?.s3), ...(opts.s3ForcePathStyle ? { forcePathStyle: true } : {}) });
  return {
    kafkaConnect,
    emr,
    s3,
    destroy() {
      kafkaConnect.destroy();
      emr.destroy();
      s3.destroy();
    },
  };
}
