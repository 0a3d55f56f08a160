import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AnomalyDetailSchema,
  AnomalyFeedbackBodySchema,
  AnomalyListQuerySchema,
  AnomalyMonitorListSchema,
  AnomalyMonitorSchema,
  AnomalyPageSchema,
  AnomalySchema,
  BacktestQuerySchema,
  BacktestSchema,
  CreateAnomalyMonitorSchema,
  DetectResultSchema,
  UpdateAnomalyMonitorSchema,
  UuidSchema,
  type AnomalyFeedbackBody,
  type AnomalyListQuery,
  type BacktestQuery,
  type CreateAnomalyMonitor,
  type UpdateAnomalyMonitor,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { AnomalyService } from './anomaly.service';

const IdPipe = new ZodPipe(UuidSchema, 'path');

@ApiTags('anomalies')
@Controller('anomalies')
export class AnomalyController {
  constructor(private readonly anomalies: AnomalyService) {}

  @Get()
  @ApiContract({
    summary: 'Anomaly episodes, newest first or largest impact first',
    description: 'Episodes held back by feedback are left out unless include_suppressed=true.',
    query: AnomalyListQuerySchema,
    response: AnomalyPageSchema,
    errors: [400],
  })
  list(@CurrentUser() u: AuthUser, @Query(new ZodPipe(AnomalyListQuerySchema, 'query')) q: AnomalyListQuery) {
    return this.anomalies.list(u.tenantId, q);
  }

  @Post('detect')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Run anomaly detection now (owner/admin)',
    description:
      'Judges the settled days not judged yet and re-judges restated ones, then answers with a summary. It also runs after every successful sync.',
    response: DetectResultSchema,
    status: 202,
    errors: [403],
  })
  detect(@CurrentUser() u: AuthUser) {
    return this.anomalies.detect(u.tenantId);
  }

  @Get('backtest')
  @ApiContract({
    summary: 'What a monitor would have raised over the last days (nothing stored)',
    description:
      "Replays the monitor's detection over the last `days` (default 90) of stored costs with its current settings and returns the episodes it would have raised, with their impact. Nothing is stored and no alert is sent: use it to tune a monitor before enabling it.",
    query: BacktestQuerySchema,
    response: BacktestSchema,
    errors: [400, 404],
  })
  backtest(@CurrentUser() u: AuthUser, @Query(new ZodPipe(BacktestQuerySchema, 'query')) q: BacktestQuery) {
    return this.anomalies.backtest(u.tenantId, q);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One episode: root causes, the engine numbers and the series around it with its band',
    description:
      "The episode's kind (spike, level_shift, ramp, drop, weekend, new_series, drift), its dollar impact, the root causes ranked by their share of the change (service, account, region, usage type), the rule that fired with its numbers, and the daily series around the episode with the expected band.",
    response: AnomalyDetailSchema,
    errors: [404],
  })
  get(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.anomalies.get(u.tenantId, id);
  }

  @Post(':id/feedback')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Was it an anomaly? yes / no / planned_activity (owner/admin)',
    description:
      'no and planned_activity raise the bar for later episodes of the same series (ANOMALY_FEEDBACK_FACTOR x this impact); see suppressed_by_feedback.',
    body: AnomalyFeedbackBodySchema,
    response: AnomalySchema,
    errors: [400, 403, 404],
  })
  feedback(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Body(new ZodPipe(AnomalyFeedbackBodySchema)) body: AnomalyFeedbackBody,
  ) {
    return this.anomalies.feedback(u.tenantId, id, body);
  }
}

@ApiTags('anomalies')
@Controller('anomaly-monitors')
export class AnomalyMonitorController {
  constructor(private readonly anomalies: AnomalyService) {}

  @Get()
  @ApiContract({
    summary: 'Anomaly monitors',
    description:
      'The default monitors (created with the tenant) and the custom ones, each with its dimension, filter and whether it is enabled.',
    response: AnomalyMonitorListSchema,
  })
  list(@CurrentUser() u: AuthUser) {
    return this.anomalies.monitors(u.tenantId);
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Create a custom monitor (owner/admin)',
    description:
      'A custom monitor watches one dimension (total, service, account, region, usage type, service x account, account x usage type, or a custom filter of services, accounts, regions and usage types). Its episodes appear from the next detection run (after each sync, or POST /api/anomalies/detect); try it first with GET /api/anomalies/backtest.',
    body: CreateAnomalyMonitorSchema,
    response: AnomalyMonitorSchema,
    status: 201,
    errors: { 400: 'VALIDATION_FAILED', 403: 'FORBIDDEN', 422: 'UNSUPPORTED_DIMENSION (tag)' },
  })
  create(
    @CurrentUser() u: AuthUser,
    @Body(new ZodPipe(CreateAnomalyMonitorSchema)) body: CreateAnomalyMonitor,
  ) {
    return this.anomalies.createMonitor(u.tenantId, body);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Rename, enable or disable a monitor (owner/admin)',
    description: 'A disabled monitor keeps its episodes but raises no new ones and sends no alerts.',
    body: UpdateAnomalyMonitorSchema,
    response: AnomalyMonitorSchema,
    errors: [400, 403, 404],
  })
  update(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Body(new ZodPipe(UpdateAnomalyMonitorSchema)) body: UpdateAnomalyMonitor,
  ) {
    return this.anomalies.updateMonitor(u.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Delete a monitor and its episodes (owner/admin)',
    description: 'Deletes the monitor with its episodes. Recorded in the audit log.',
    status: 204,
    errors: [403, 404],
  })
  async remove(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string): Promise<void> {
    await this.anomalies.deleteMonitor(u.tenantId, id);
  }
}
