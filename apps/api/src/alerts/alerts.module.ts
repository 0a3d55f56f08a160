import { Module, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AnomalyDetector } from '../anomaly/anomaly.detector';
import { AnomalyModule } from '../anomaly/anomaly.module';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { MetricCollector } from '../metrics/metric-collector';
import { AlertSender } from './alert-sender';
import { AlertRecipientsController, AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { AlertsWorker } from './alerts.worker';

@Module({
  imports: [AnomalyModule],
  controllers: [AlertsController, AlertRecipientsController],
  providers: [
    {
      provide: SecretBox,
      useFactory: (c: AppConfig) => new SecretBox(c.encryptionKey, c.encryptionKeyPrevious),
      inject: [APP_CONFIG],
    },
    AlertsRepository,
    AlertSender,
    AlertsService,
    AlertsWorker,
  ],
})
export class AlertsModule implements OnModuleInit {
  constructor(
    private readonly detector: AnomalyDetector,
    private readonly worker: AlertsWorker,
    private readonly moduleRef: ModuleRef,
  ) {}

  /**
   * Alerts follow every cost detection run (after a sync and on demand) and every metric collection that found
   * anomalous points (the collector belongs to MetricsModule, which does not export it).
   */
  onModuleInit(): void {
    this.detector.onDetected((tenantId) => this.worker.afterDetection(tenantId));
    this.moduleRef
      .get(MetricCollector, { strict: false })
      .onDetected((tenantId) => this.worker.afterDetection(tenantId));
  }
}
