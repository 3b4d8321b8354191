/**
 * What every feature module shares, supplied by whoever starts the API (the local stack, the service
 * process or a test): the Temporal client, settings, the authenticator, the lineage reader and what
 * the SageMaker Studio bridge needs.
 */
import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import type { OidcSignInConfig } from '../config';
import type { Authenticator } from './auth/authenticator';
import type { ServingLineageReader } from './endpoints/endpoints.controller';
import type { RevertPlanner } from './endpoints/revert.service';
import type { StudioDecisions } from './events/studio-decisions';
import type { ApiSettings } from './model-versions/lifecycle.service';
import {
  API_SETTINGS,
  AUTHENTICATOR,
  REVERT_PLANNER,
  SERVING_LINEAGE_READER,
  STUDIO_DECISIONS,
  TEMPORAL_CLIENT,
} from './tokens';

export interface ApiDependencies {
  temporalClient: Client;
  settings: ApiSettings;
  authenticator: Authenticator;
  readServingLineage: ServingLineageReader;
  studioDecisions: StudioDecisions;
  planRevert: RevertPlanner;
  /** The console's OpenID Connect sign-in (served at /console/config.json); unset: paste a token. */
  consoleSignIn?: OidcSignInConfig;
}

@Global()
@Module({})
export class CoreModule {
  static register(deps: ApiDependencies): DynamicModule {
    const providers = [
      { provide: TEMPORAL_CLIENT, useValue: deps.temporalClient },
      { provide: API_SETTINGS, useValue: deps.settings },
      { provide: AUTHENTICATOR, useValue: deps.authenticator },
      { provide: SERVING_LINEAGE_READER, useValue: deps.readServingLineage },
      { provide: STUDIO_DECISIONS, useValue: deps.studioDecisions },
      { provide: REVERT_PLANNER, useValue: deps.planRevert },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
