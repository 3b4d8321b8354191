/**
 * Pins a lifecycle to the worker build that runs it. Lifecycles are auto-upgrade by default, so one
 * parked at the approval gate for days moves to the current build on its next task and never keeps
 * an old worker alive; from the approval decision on it is pinned, so a rollout never changes code
 * in the middle (README, "Upgrading the service"). A worker without versioning has no build to pin to.
 */
import type { WorkflowService } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { LifecycleActivities } from '../src/shared/activity-contracts';

export interface PinningDeps {
  temporal?: {
    client: {
      workflowService: Pick<WorkflowService, 'updateWorkflowExecutionOptions'>;
      options: { namespace: string };
    };
  };
}

const PINNED =
  temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED;

export function createBuildPinningActivities(deps: PinningDeps): Pick<LifecycleActivities, 'pinToBuild'> {
  return {
    async pinToBuild({ workflowId, runId, version }) {
      // An unversioned worker reports an empty version, not none; pinning to it would wedge the run.
      if (!version?.deploymentName || !version.buildId) return 'unversioned';
      if (!deps.temporal) throw new Error('pinning to a build needs a Temporal client');
      const { client } = deps.temporal;
      await client.workflowService.updateWorkflowExecutionOptions({
        namespace: client.options.namespace,
        workflowExecution: { workflowId, runId },
        workflowExecutionOptions: {
          versioningOverride: {
            pinned: {
              behavior: PINNED,
              version: { deploymentName: version.deploymentName, buildId: version.buildId },
            },
          },
        },
        updateMask: { paths: ['versioning_override'] },
      });
      return 'pinned';
    },
  };
}

export type { WorkerDeploymentVersion };
