import { Module, type OnModuleInit } from '@nestjs/common';
import { AnomalyDetector } from '../anomaly/anomaly.detector';
import { AnomalyModule } from '../anomaly/anomaly.module';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AlertSender } from './alert-sender';
import { AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { AlertsWorker } from './alerts.worker';

@Module({
  imports: [AnomalyModule],
  controllers: [AlertsController],
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
  ) {}

  /** Alerts follow every detection run (after a sync and on demand). */
  onModuleInit(): void {
    this.detector.onDetected((tenantId) => this.worker.afterDetection(tenantId));
  }
}
