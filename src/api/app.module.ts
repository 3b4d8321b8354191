import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { CoreModule, type ApiDependencies } from './core.module';
import { EndpointsModule } from './endpoints/endpoints.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelVersionsModule } from './model-versions/model-versions.module';
import { WhoamiModule } from './whoami/whoami.module';

@Module({})
export class AppModule {
  static register(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.register(deps),
        ModelVersionsModule,
        EndpointsModule,
        EventsModule,
        HealthModule,
        MetricsModule,
        WhoamiModule,
      ],
      // Every route is authenticated unless marked @Public(); roles per route via @RequireRoles.
      providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
    };
  }
}
