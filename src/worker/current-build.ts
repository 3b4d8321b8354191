/**
 * The first worker of a fresh Worker Deployment makes its build current, so a new installation works
 * without a manual step. A deployment that already has a current build is the operator's to change
 * (`temporal worker deployment set-current-version`, README "Upgrading the service"): a new build
 * never takes traffic on its own, it only says that it waits.
 */
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';

export async function makeCurrentIfFirst(
  client: Client,
  version: { deploymentName: string; buildId: string },
  logger: Logger,
  timeoutMs = 30_000,
): Promise<'made-current' | 'already-current' | 'not-current'> {
  const { namespace } = client.options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({
        namespace,
        deploymentName: version.deploymentName,
      });
      const current = workerDeploymentInfo?.routingConfig?.currentDeploymentVersion;
      if (current?.buildId === version.buildId) return 'already-current';
      if (current?.buildId) {
        logger.warn(
          { current: current.buildId, build: version.buildId },
          `build ${version.buildId} is not current (${current.buildId} is): new lifecycles stay on the current build until an operator makes this one current`,
        );
        return 'not-current';
      }
      await client.workflowService.setWorkerDeploymentCurrentVersion({
        namespace,
        deploymentName: version.deploymentName,
        buildId: version.buildId,
        identity: `first worker of ${version.deploymentName}`,
      });
      logger.info({ build: version.buildId }, 'fresh worker deployment: this build is now current');
      return 'made-current';
    } catch (err) {
      // The deployment and version exist only once this worker's first poll has reached the server.
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
