import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRegistry, runMain, startOpsServer } from '@docpipe/runtime';
import { KafkaTopicAdmin } from './adapters/kafka/topic-admin.js';
import { connectKube } from './adapters/kube/index.js';
import { awsParts, createAwsClients } from './aws/index.js';
import { loadOperatorConfig, OPERATOR_HELP, OperatorConfig } from './config.js';
import { createController } from './controller/controller.js';
import { LeaderElector } from './controller/leader.js';

await runMain({
  name: 'docpipe-operator',
  summary: 'reconciles DocumentPipelines: children by server-side apply, Kafka topics, MSK Connect and EMR, status; leader election on a Lease.',
  command: 'node operator/dist/main.js',
  schema: OperatorConfig,
  help: OPERATOR_HELP,
  load: loadOperatorConfig,
  async start(config, logger, parts) {
    const identity = config.POD_NAME ?? `${hostname()}-${process.pid}`;
    const registry = createRegistry('operator');
    const { kube, watcher, lease, server, close } = connectKube(logger, identity);
    // Registered first, so it runs last: after the controller and the Lease are done with the connection.
    parts.add('API server connection', () => close());
    logger.info({ server, identity, namespace: config.WATCH_NAMESPACE ?? '(all)' }, 'connecting to the API server');
    // The repository's jobs/ (operator/dist/main.js → ../../jobs), or /app/jobs in the image.
    const jobs = config.JOBS_DIR ?? fileURLToPath(new URL('../../jobs', import.meta.url));
    const aws = createAwsClients({ region: config.AWS_REGION, s3ForcePathStyle: config.S3_FORCE_PATH_STYLE });
    parts.add('AWS clients', async () => aws.destroy());
    const controller = createController({
      kube,
      watcher,
      topics: new KafkaTopicAdmin({ logger: logger.child({ component: 'kafka-admin' }) }),
      parts: awsParts(aws, { scripts: { flink: `${jobs}/flink/job.py`, spark: `${jobs}/spark/job.py` } }),
      logger,
      registry,
      namespace: config.WATCH_NAMESPACE,
      resyncMs: config.RESYNC_SECONDS * 1000,
      workers: config.MAX_CONCURRENT_RECONCILES,
    });
    // Ready = the watches have listed; a standby replica is ready too (it takes over without a restart).
    const checks = { watches: async () => controller.synced() };
    const ops = await startOpsServer({ host: config.OPERATOR_HOST, port: config.OPERATOR_PORT, logger, registry, checks });
    parts.add('ops server', () => ops.stop());
    const elector = config.LEADER_ELECT
      ? new LeaderElector({
          store: lease(config.POD_NAMESPACE!, config.LEASE_NAME),
          identity,
          leaseDurationSeconds: config.LEASE_DURATION_SECONDS,
          renewDeadlineSeconds: config.RENEW_DEADLINE_SECONDS,
          retryPeriodSeconds: config.RETRY_PERIOD_SECONDS,
          logger: logger.child({ component: 'leader' }),
          onStartedLeading: () => {
            controller.startWorkers();
          },
          onStoppedLeading: () => {
            // As controller-runtime does: a replica that lost the Lease must not reconcile another instant.
            logger.fatal('leadership lost: exiting');
            process.exit(1);
          },
        })
      : undefined;
    // Stopped newest first: drain the reconciles, then release the Lease, then the ops server.
    if (elector !== undefined) parts.add('leader election', () => elector.release());
    parts.add('controller', () => controller.stop());
    controller.startWatches();
    if (elector !== undefined) elector.start();
    else {
      controller.startWorkers();
    }
  },
});
