/**
 * Every model some endpoint needs now or is moving to: the models of each endpoint's current config
 * and of a pending deployment's config, whoever made the endpoint. Pruning never deletes one of
 * them; when any endpoint's models cannot be resolved (its config was deleted while it runs), the
 * answer is "unknown" rather than a set that would silently leave that endpoint's models unguarded.
 */
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  paginateListEndpoints,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { awsOrNotFound, awsPages } from './aws-errors';

export type ModelsInUse = { known: true; models: Set<string> } | { known: false; reason: string };

async function endpointNames(sagemaker: SageMakerClient): Promise<string[]> {
  const names: string[] = [];
  const pages = paginateListEndpoints({ client: sagemaker, pageSize: 100 }, {});
  for await (const page of awsPages('ListEndpoints', pages)) {
    for (const e of page.Endpoints ?? []) if (e.EndpointName) names.push(e.EndpointName);
  }
  return names;
}

export async function modelsInUse(sagemaker: SageMakerClient): Promise<ModelsInUse> {
  const models = new Set<string>();
  for (const endpointName of await endpointNames(sagemaker)) {
    const endpoint = await awsOrNotFound('DescribeEndpoint', () =>
      sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })),
    );
    if (!endpoint) continue; // deleted since the listing: it needs nothing any more
    const configNames = [endpoint.EndpointConfigName, endpoint.PendingDeploymentSummary?.EndpointConfigName];
    for (const configName of configNames) {
      if (!configName) continue;
      const config = await awsOrNotFound('DescribeEndpointConfig', () =>
        sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })),
      );
      if (!config) {
        return {
          known: false,
          reason: `endpoint ${endpointName} runs config ${configName}, which no longer exists: its models are unknown`,
        };
      }
      for (const v of [...(config.ProductionVariants ?? []), ...(config.ShadowProductionVariants ?? [])]) {
        if (v.ModelName) models.add(v.ModelName);
      }
    }
  }
  return { known: true, models };
}
