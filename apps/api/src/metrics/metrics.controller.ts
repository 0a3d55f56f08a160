import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AddMetricPresetsResultSchema,
  AddMetricPresetsSchema,
  CreateMetricWatchSchema,
  MetricCollectionRunSchema,
  MetricCollectionSchema,
  MetricDiscoverPageSchema,
  MetricDiscoverQuerySchema,
  MetricPointsQuerySchema,
  MetricPointsSchema,
  MetricPresetListSchema,
  MetricWatchListQuerySchema,
  MetricWatchPageSchema,
  MetricWatchSchema,
  UpdateMetricWatchSchema,
  UuidSchema,
  type AddMetricPresets,
  type CreateMetricWatch,
  type MetricDiscoverQuery,
  type MetricPointsQuery,
  type MetricWatchListQuery,
  type UpdateMetricWatch,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { MetricsService } from './metrics.service';

const IdPipe = new ZodPipe(UuidSchema, 'path');
const NOT_CONNECTED = 'NOT_CONNECTED: AWS is not connected (metrics are read through its role)';

@ApiTags('metrics')
@Controller('metric-watches')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiContract({
    summary: 'Metric watches with their last value and a 24 h sparkline, newest first',
    description:
      'Each watch with its namespace, metric, dimensions, statistic and period, the last collected value and a 24-hour sparkline. Filter with `search`, `namespace` and `region`; paginated.',
    query: MetricWatchListQuerySchema,
    response: MetricWatchPageSchema,
    errors: [400],
  })
  list(
    @CurrentUser() u: AuthUser,
    @Query(new ZodPipe(MetricWatchListQuerySchema, 'query')) q: MetricWatchListQuery,
  ) {
    return this.metrics.list(u.tenantId, q);
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Watch a CloudWatch metric (owner/admin)',
    description:
      'Collected every METRICS_COLLECT_CRON tick; new points go through the streaming anomaly detector. At most METRIC_WATCHES_MAX_PER_TENANT watches.',
    body: CreateMetricWatchSchema,
    response: MetricWatchSchema,
    status: 201,
    errors: {
      400: 'VALIDATION_FAILED',
      403: 'FORBIDDEN',
      409: 'CONFLICT: the same series is already watched',
      422: 'METRIC_WATCH_LIMIT',
    },
  })
  create(@CurrentUser() u: AuthUser, @Body(new ZodPipe(CreateMetricWatchSchema)) body: CreateMetricWatch) {
    return this.metrics.create(u.tenantId, body);
  }

  @Get('presets')
  @ApiContract({
    summary: 'Presets that matter for cost',
    description:
      'Ready-made watches for the metrics that drive AWS cost (EC2 CPU and network out, NAT gateway bytes, Lambda invocations and duration, RDS CPU, S3 bucket size, estimated charges); add them with POST /api/metric-watches/presets.',
    response: MetricPresetListSchema,
  })
  presets() {
    return this.metrics.presets();
  }

  @Post('presets')
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Add presets: watch every matching metric ListMetrics finds (owner/admin)',
    description:
      'Per-resource presets (EC2, NAT gateway, Lambda, RDS, S3) add one watch per resource found in the region; AWS/Billing is read in us-east-1. Already watched series are skipped.',
    body: AddMetricPresetsSchema,
    response: AddMetricPresetsResultSchema,
    status: 201,
    errors: { 400: 'VALIDATION_FAILED', 403: 'FORBIDDEN', 422: NOT_CONNECTED },
  })
  addPresets(@CurrentUser() u: AuthUser, @Body(new ZodPipe(AddMetricPresetsSchema)) body: AddMetricPresets) {
    return this.metrics.addPresets(u.tenantId, body);
  }

  @Get('discover')
  @ApiContract({
    summary: 'Discover metrics (ListMetrics through your role), one page at a time',
    description:
      "Calls CloudWatch ListMetrics in the chosen region through the tenant's read-only role and returns one page; pass `next_token` for the next. Needs a connected AWS account (422 NOT_CONNECTED otherwise).",
    query: MetricDiscoverQuerySchema,
    response: MetricDiscoverPageSchema,
    errors: { 400: 'VALIDATION_FAILED', 422: NOT_CONNECTED },
  })
  discover(
    @CurrentUser() u: AuthUser,
    @Query(new ZodPipe(MetricDiscoverQuerySchema, 'query')) q: MetricDiscoverQuery,
  ) {
    return this.metrics.discover(u.tenantId, q);
  }

  @Get('collection')
  @ApiContract({
    summary:
      'Collection ticks: calls made, metrics requested, points stored and the estimated CloudWatch cost',
    description:
      'What collection costs this tenant in CloudWatch charges: the schedule, the enabled watches, the last 24 hours (runs, GetMetricData calls, metrics requested, points stored, estimated cost), the estimated monthly cost at $0.01 per 1,000 metrics requested, and the recent ticks.',
    response: MetricCollectionSchema,
  })
  collection(@CurrentUser() u: AuthUser) {
    return this.metrics.collection(u.tenantId);
  }

  @Post('collect')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Collect now (owner/admin): the same code path as the scheduled tick',
    description:
      'Runs one collection for this tenant at once instead of waiting for the next METRICS_COLLECT_CRON tick, and answers with its figures. Needs a connected AWS account.',
    response: MetricCollectionRunSchema,
    errors: { 403: 'FORBIDDEN', 422: NOT_CONNECTED },
  })
  collect(@CurrentUser() u: AuthUser) {
    return this.metrics.collectNow(u.tenantId);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One metric watch',
    description: 'The watch with its settings and its last value.',
    response: MetricWatchSchema,
    errors: [404],
  })
  get(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.metrics.get(u.tenantId, id);
  }

  @Get(':id/points')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Stored points in a range (default: the last 24 h), with the anomaly episodes in it',
    description:
      'Long ranges come back averaged into at most ~500 buckets (bucket_seconds), with min and max.',
    query: MetricPointsQuerySchema,
    response: MetricPointsSchema,
    errors: [400, 404],
  })
  pointsOf(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Query(new ZodPipe(MetricPointsQuerySchema, 'query')) q: MetricPointsQuery,
  ) {
    return this.metrics.pointsOf(u.tenantId, id, q);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Rename, enable/disable or link a watch to a cost service (owner/admin)',
    description:
      "Linking a watch to a cost service shows its anomalies next to that service's cost anomalies. A disabled watch keeps its points and is not collected.",
    body: UpdateMetricWatchSchema,
    response: MetricWatchSchema,
    errors: [400, 403, 404],
  })
  update(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Body(new ZodPipe(UpdateMetricWatchSchema)) body: UpdateMetricWatch,
  ) {
    return this.metrics.update(u.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Stop watching: deletes the watch, its points and its metric anomalies (owner/admin)',
    description: 'Irreversible. Recorded in the audit log.',
    status: 204,
    errors: [403, 404],
  })
  async remove(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string): Promise<void> {
    await this.metrics.remove(u.tenantId, id);
  }
}
