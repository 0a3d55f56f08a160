import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  CostsQuerySchema,
  CostsResponseSchema,
  DashboardQuerySchema,
  DashboardSchema,
  PageQuerySchema,
  SyncRequestSchema,
  SyncRunCreatedSchema,
  SyncRunPageSchema,
  SyncRunSchema,
  UuidSchema,
  type CostsQuery,
  type DashboardQuery,
  type SyncRequest,
} from '@cost-optimizer/dto';
import type { z } from 'zod';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { CostsService } from './costs.service';
import { CurSyncService } from './cur-sync.service';
import { CurWorker } from './cur-worker';

@ApiTags('cur')
@Controller('cur')
export class CurController {
  constructor(
    private readonly sync: CurSyncService,
    private readonly worker: CurWorker,
  ) {}

  @Post('sync')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Sync now: re-ingest the last months of CUR data, or load history (owner/admin)',
    description:
      'Queues a sync and answers at once; follow it with GET /api/cur/sync-runs/{run_id} (progress: months done of total, the month being loaded, rows, bytes Athena scanned and their estimated cost). One sync per tenant at a time. With `history: true` it loads the months of the history horizon the CUR holds and that are not loaded yet, newest first.',
    body: SyncRequestSchema,
    response: SyncRunCreatedSchema,
    status: 202,
    errors: {
      400: 'VALIDATION_FAILED',
      403: 'FORBIDDEN',
      409: 'CONFLICT: a sync is already queued or running (details.run_id)',
      422: 'NOT_CONNECTED',
    },
  })
  async start(@CurrentUser() u: AuthUser, @Body(new ZodPipe(SyncRequestSchema)) body: SyncRequest) {
    const { run_id } = await this.sync.enqueue(
      u.tenantId,
      'manual',
      body.history ? { mode: 'history' } : { months: body.months ?? 2 },
    );
    this.worker.kick();
    return { run_id };
  }

  @Get('sync-runs')
  @ApiContract({
    summary: 'Sync history, newest first',
    description:
      'Each run with its progress (months done/total, the month being loaded), rows loaded, bytes Athena scanned (and their estimated cost at $5/TB) per run and per month.',
    query: PageQuerySchema,
    response: SyncRunPageSchema,
    errors: [400],
  })
  list(
    @CurrentUser() u: AuthUser,
    @Query(new ZodPipe(PageQuerySchema, 'query')) q: z.infer<typeof PageQuerySchema>,
  ) {
    return this.sync.list(u.tenantId, q.page, q.page_size);
  }

  @Get('sync-runs/:id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One sync run: status, progress and figures',
    description:
      "Poll this after POST /api/cur/sync: `status` (queued, running, succeeded, failed), the phase, months done of total, rows loaded, bytes Athena scanned and their estimated cost. A failed run names the failing step and carries AWS's error text; the previous data stays intact.",
    response: SyncRunSchema,
    errors: [404],
  })
  get(@CurrentUser() u: AuthUser, @Param('id', new ZodPipe(UuidSchema, 'path')) id: string) {
    return this.sync.get(u.tenantId, id);
  }
}

@ApiTags('costs')
@Controller()
export class CostsController {
  constructor(private readonly costs: CostsService) {}

  @Get('dashboard')
  @ApiContract({
    summary:
      'The dashboard: month to date, forecast, the last 90 days, top services/accounts/regions, freshness',
    description: 'Not connected: zeros and connected=false, never an error.',
    query: DashboardQuerySchema,
    response: DashboardSchema,
    errors: [400],
  })
  dashboard(
    @CurrentUser() u: AuthUser,
    @Query(new ZodPipe(DashboardQuerySchema, 'query')) q: DashboardQuery,
  ) {
    return this.costs.dashboard(u.tenantId, q.measure);
  }

  @Get('costs')
  @ApiContract({
    summary: 'Costs over a date range, grouped and measured as asked (at most 2 years)',
    description:
      "Daily or monthly totals between `from` and `to` (inclusive), grouped by service, account, region, usage type or charge class, in the chosen measure (unblended, net_unblended, amortized, net_amortized; default: the tenant's). Days after the last synced day are absent, not zero.",
    query: CostsQuerySchema,
    response: CostsResponseSchema,
    errors: [400],
  })
  query(@CurrentUser() u: AuthUser, @Query(new ZodPipe(CostsQuerySchema, 'query')) q: CostsQuery) {
    return this.costs.costs(u.tenantId, q);
  }
}
