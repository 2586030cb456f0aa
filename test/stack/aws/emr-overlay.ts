import type { EmrApi, EmrStep, StepState } from '../../../operator/src/aws/index.js';

/**
 * moto 5.2.5 stores EMR steps (AddJobFlowSteps, ListSteps) but never moves
 * them: the first is RUNNING and the rest PENDING forever, it has no
 * CancelSteps, and no moto-api hook changes a step's state (EMR steps are not
 * a ManagedState model). This overlay on our own EmrApi port lets a test say
 * what EMR would have done — a step FAILED, a cancel completed — while
 * submission and listing stay moto's.
 */
export class EmrStateOverlay implements EmrApi {
  private readonly overrides = new Map<string, { state: StepState; endedAt?: Date; message?: string }>();
  readonly cancelled: string[] = [];
  /** What a cancel moves a step to: CANCELLED at once, or CANCEL_PENDING to hold it until the test says. */
  cancelState: StepState = 'CANCELLED';

  constructor(
    private readonly inner: EmrApi,
    private readonly now: () => Date,
  ) {}

  /** The step ends (or moves) as EMR would report it. */
  set(stepId: string, state: StepState, message?: string): void {
    const ended = ['COMPLETED', 'FAILED', 'CANCELLED', 'INTERRUPTED'].includes(state);
    this.overrides.set(stepId, { state, ...(ended ? { endedAt: this.now() } : {}), ...(message ? { message } : {}) });
  }

  async listSteps(clusterId: string, states?: readonly StepState[]): Promise<EmrStep[]> {
    const all = (await this.inner.listSteps(clusterId)).map((s) => ({ ...s, ...this.overrides.get(s.id) }));
    return states ? all.filter((s) => states.includes(s.state)) : all;
  }

  addStep(clusterId: string, step: { name: string; args: string[] }): Promise<string> {
    return this.inner.addStep(clusterId, step);
  }

  async cancelSteps(_clusterId: string, stepIds: string[]): Promise<void> {
    for (const id of stepIds) {
      this.cancelled.push(id);
      this.set(id, this.cancelState);
    }
  }
}
