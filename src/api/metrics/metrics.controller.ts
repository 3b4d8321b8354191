/**
 * GET /metrics: the product's gauge in Prometheus text format, for a scraper holding a viewer token
 * (or any reader's). The counters and histograms of what lifecycles did (rollbacks, verdicts, stage
 * and approval times) come from the worker's own Prometheus endpoint (WORKER_METRICS_ADDRESS),
 * where workflow code emits them; this endpoint answers what only visibility knows: how many
 * lifecycles are in each stage now.
 */
import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { LIFECYCLES_BY_STAGE_METRIC } from '../../shared/lifecycle-metrics';
import { READERS, RequireRoles } from '../auth/roles';
import { temporalUnavailable } from '../common/temporal-errors';
import { ZodPipe } from '../common/validation';
import { groupName } from '../model-versions/schemas';
import { TEMPORAL_CLIENT } from '../tokens';
import { countLifecyclesByStage } from './lifecycle-stage-counts';

const metricsQuerySchema = z.object({ group: groupName.optional() }).strict();

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(TEMPORAL_CLIENT) private readonly client: Client) {}

  @Get()
  @RequireRoles(...READERS)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({ summary: 'Lifecycles per stage (Prometheus text format), counted in Temporal visibility' })
  @ApiQuery({ name: 'group', required: false, description: 'only lifecycles of this model package group' })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiResponse({ status: 200, description: `${LIFECYCLES_BY_STAGE_METRIC}{stage="…"} per stage` })
  @ApiResponse({ status: 400 })
  @ApiResponse({ status: 503, description: 'Temporal is not reachable' })
  async metrics(
    @Query(new ZodPipe(metricsQuerySchema)) query: z.output<typeof metricsQuerySchema>,
  ): Promise<string> {
    const { group } = query;
    let counts;
    try {
      counts = await countLifecyclesByStage(this.client, group ? { group } : {});
    } catch (err) {
      throw temporalUnavailable(err) ?? err;
    }
    // A registry per scrape: the values are this scrape's counts, nothing accumulates between them.
    const registry = new Registry();
    const gauge = new Gauge({
      name: LIFECYCLES_BY_STAGE_METRIC,
      help: 'Lifecycles per stage in Temporal visibility: running ones for active stages, retained closed ones for final stages',
      labelNames: ['stage'],
      registers: [registry],
    });
    for (const [stage, n] of counts) gauge.set({ stage }, n);
    return registry.metrics();
  }
}
