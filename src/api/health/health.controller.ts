import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { Public } from '../auth/roles';
import { API_SETTINGS, TEMPORAL_CLIENT } from '../tokens';
import type { ApiSettings } from '../model-versions/lifecycle.service';

const HEALTH_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness: 200 when Temporal answers, 503 otherwise' })
  @ApiResponse({ status: 200 })
  @ApiResponse({ status: 503 })
  async check() {
    try {
      await this.client.withDeadline(Date.now() + HEALTH_TIMEOUT_MS, () =>
        this.client.workflowService.describeNamespace({ namespace: this.settings.namespace }),
      );
      return { status: 'ok', temporal: 'reachable', namespace: this.settings.namespace };
    } catch (err) {
      throw new ServiceUnavailableException({
        status: 'unavailable',
        temporal: 'unreachable',
        message: (err as Error).message,
      });
    }
  }
}
