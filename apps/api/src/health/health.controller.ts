import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EntityManager } from '@mikro-orm/postgresql';
import { HealthSchema, type Health } from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { Public } from '../common/auth-user';
import { VERSION } from '../version';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly em: EntityManager) {}

  @Public()
  @Get()
  @ApiContract({
    summary: 'Liveness and database check (200 when the database answers, 503 otherwise)',
    description:
      'Public, for load balancers and orchestrators: answers without authentication and without touching tenant data. 200 with `status: "ok", database: "ok"` when a trivial query answers; 503 with `status: "degraded", database: "down"` otherwise, so a replica that lost its database leaves the rotation. Also the version and the uptime.',
    response: HealthSchema,
    errors: { 503: 'The database does not answer' },
    public: true,
  })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<Health> {
    let database: Health['database'] = 'ok';
    try {
      await this.em.getConnection().execute('select 1');
    } catch {
      database = 'down';
      void reply.status(503);
    }
    return {
      status: database === 'ok' ? 'ok' : 'degraded',
      database,
      version: VERSION,
      uptime_s: Math.round(process.uptime() * 10) / 10,
    };
  }
}
