/**
 * The lifecycle's activities: every side effect the workflow needs, built from injected clients.
 *
 *   const config = activityConfigFromEnv();
 *   const activities = createActivities({
 *     ...createAwsClients(config.aws),
 *     executionRoleArn: config.executionRoleArn,
 *     webhookUrl: config.webhookUrl,
 *     temporal: { client, taskQueue },
 *   });
 *   await Worker.create({ activities, ... });
 */
import type { LifecycleActivities } from '../src/shared/activity-contracts';
import type { ActivityDeps } from './deps';
import { createBuildPinningActivities } from './build-pinning';
import { createEndpointLockActivities } from './endpoint-lock';
import { createEndpointActivities } from './endpoints';
import { createGuardedDeploymentActivities } from './guarded-deployment';
import { withHeartbeats } from './heartbeat';
import { createHealthActivities } from './health/watch';
import { createPromotionWatchActivities } from './health/post-promotion-watch';
import { createModelRegistryActivities } from './model-registry';
import { createNotifyActivities } from './notify';
import { createRevertPlanActivities } from './revert-plan';
import { createServingLineageActivities } from './serving-lineage';
import { createValidationActivities } from './validation';

export type { ActivityDeps } from './deps';
export { createAwsClients, type AwsClients, type AwsClientsConfig } from './aws-clients';
export { activityConfigFromEnv, type ActivityEnvConfig } from './config';
export { describeServingLineage } from './serving-lineage';
export { planRevert } from './revert-plan';

export function createActivities(deps: ActivityDeps): LifecycleActivities {
  const activities: LifecycleActivities = {
    ...createModelRegistryActivities(deps),
    ...createEndpointActivities(deps),
    ...createGuardedDeploymentActivities(deps),
    ...createValidationActivities({ runtime: deps.runtime }),
    ...createHealthActivities(deps),
    ...createPromotionWatchActivities(deps),
    ...createNotifyActivities(deps),
    ...createServingLineageActivities(deps),
    ...createRevertPlanActivities(deps),
    ...createEndpointLockActivities(deps),
    ...createBuildPinningActivities(deps as Parameters<typeof createBuildPinningActivities>[0]),
  };
  return withHeartbeats(activities, ['watchHealth', 'watchPromoted', 'validateEndpoint']);
}
