import { AddJobFlowStepsCommand, CancelStepsCommand, ListStepsCommand, type EMRClient, type StepStatus, type StepSummary } from '@aws-sdk/client-emr';
import { awsCall } from '../errors.js';
import type { EmrApi, EmrStep, StepState } from '../ports.js';

/** The EmrApi over @aws-sdk/client-emr; every step runs through command-runner.jar. */
export function emrApi(client: EMRClient): EmrApi {
  return {
    async listSteps(clusterId, states) {
      const steps: EmrStep[] = [];
      let marker: string | undefined;
      do {
        const page = await awsCall('ListSteps', () =>
          client.send(new ListStepsCommand({ ClusterId: clusterId, ...(states ? { StepStates: [...states] } : {}), ...(marker ? { Marker: marker } : {}) })),
        );
        steps.push(...(page.Steps ?? []).map(fromSummary));
        marker = page.Marker;
      } while (marker);
      return steps;
    },
    async addStep(clusterId, step) {
      const out = await awsCall('AddJobFlowSteps', () =>
        client.send(
          new AddJobFlowStepsCommand({
            JobFlowId: clusterId,
            // CONTINUE: a failed job must never take the cluster (and the other pipelines' jobs) down with it.
            Steps: [{ Name: step.name, ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: step.args } }],
          }),
        ),
      );
      const id = out.StepIds?.[0];
      if (!id) throw new Error(`AddJobFlowSteps returned no step id for ${step.name}`);
      return id;
    },
    async cancelSteps(clusterId, stepIds) {
      if (stepIds.length === 0) return;
      await awsCall('CancelSteps', () => client.send(new CancelStepsCommand({ ClusterId: clusterId, StepIds: stepIds, StepCancellationOption: 'SEND_INTERRUPT' })));
    },
  };
}

function messageOf(status: StepStatus | undefined): string | undefined {
  return status?.FailureDetails?.Message ?? status?.FailureDetails?.Reason ?? status?.StateChangeReason?.Message;
}

function timesOf(status: StepStatus | undefined): Pick<EmrStep, 'createdAt' | 'endedAt'> {
  const t = status?.Timeline;
  return { ...(t?.CreationDateTime ? { createdAt: t.CreationDateTime } : {}), ...(t?.EndDateTime ? { endedAt: t.EndDateTime } : {}) };
}

function fromSummary(s: StepSummary): EmrStep {
  const message = messageOf(s.Status);
  return {
    id: s.Id ?? '',
    name: s.Name ?? '',
    state: (s.Status?.State ?? 'PENDING') as StepState,
    args: s.Config?.Args ?? [],
    ...timesOf(s.Status),
    ...(message ? { message } : {}),
  };
}
