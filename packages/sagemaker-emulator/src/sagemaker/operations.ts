/** SageMaker's operations on the emulator, by the name in `X-Amz-Target: SageMaker.<Operation>`. */
import type { Input, Json } from '../wire';
import type { Hosting } from './hosting';
import type { ModelRegistry } from './model-registry';
import { Tagging } from './tags';

export type SageMakerOperation = (input: Input) => Json;

export function sageMakerOperations(
  registry: ModelRegistry,
  hosting: Hosting,
): Record<string, SageMakerOperation> {
  const tagging = new Tagging([(arn) => hosting.findTaggable(arn), (arn) => registry.findTaggable(arn)]);
  return {
    CreateModelPackageGroup: (i) => registry.createGroup(i),
    DescribeModelPackageGroup: (i) => registry.describeGroup(i),
    ListModelPackageGroups: (i) => registry.listGroups(i),
    CreateModelPackage: (i) => registry.createPackage(i),
    DescribeModelPackage: (i) => registry.describePackage(i),
    ListModelPackages: (i) => registry.listPackages(i),
    UpdateModelPackage: (i) => registry.updatePackage(i),

    CreateModel: (i) => hosting.createModel(i),
    DescribeModel: (i) => hosting.describeModel(i),
    ListModels: (i) => hosting.listModels(i),
    DeleteModel: (i) => hosting.deleteModel(i),

    CreateEndpointConfig: (i) => hosting.createEndpointConfig(i),
    DescribeEndpointConfig: (i) => hosting.describeEndpointConfig(i),
    ListEndpointConfigs: (i) => hosting.listEndpointConfigs(i),
    DeleteEndpointConfig: (i) => hosting.deleteEndpointConfig(i),

    CreateEndpoint: (i) => hosting.createEndpoint(i),
    DescribeEndpoint: (i) => hosting.describeEndpoint(i),
    ListEndpoints: (i) => hosting.listEndpoints(i),
    UpdateEndpoint: (i) => hosting.updateEndpoint(i),
    UpdateEndpointWeightsAndCapacities: (i) => hosting.updateWeights(i),
    DeleteEndpoint: (i) => hosting.deleteEndpoint(i),

    AddTags: (i) => tagging.addTags(i),
    ListTags: (i) => tagging.listTags(i),
    DeleteTags: (i) => tagging.deleteTags(i),
  };
}
