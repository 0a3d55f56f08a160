import { Module, type OnModuleInit } from '@nestjs/common';
import { AnomalyModule } from '../anomaly/anomaly.module';
import { AnomalyService } from '../anomaly/anomaly.service';
import { AwsConnectionModule } from '../aws-connection/aws-connection.module';
import { MetricCollector } from './metric-collector';
import { MetricPointStore } from './metric-point-store';
import { MetricsController } from './metrics.controller';
import { MetricsRepository } from './metrics.repository';
import { MetricsScheduler } from './metrics.scheduler';
import { MetricsService } from './metrics.service';
import { TenantAws } from './tenant-aws';

@Module({
  imports: [AwsConnectionModule, AnomalyModule],
  controllers: [MetricsController],
  providers: [
    MetricPointStore,
    MetricsRepository,
    MetricsService,
    MetricCollector,
    MetricsScheduler,
    TenantAws,
  ],
  exports: [MetricsService],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly anomalies: AnomalyService,
    private readonly metrics: MetricsService,
  ) {}

  /** Cost anomalies show the metrics linked to their service; metric anomalies show their watch. */
  onModuleInit(): void {
    this.anomalies.setMetricLinks({
      related: (tenantId, services, from, to) => this.metrics.related(tenantId, services, from, to),
      detail: (tenantId, watchId, explanation) => this.metrics.anomalyDetail(tenantId, watchId, explanation),
    });
  }
}
