import { Module, type OnModuleInit } from '@nestjs/common';
import { SecretBox } from '../common/secret-box';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DomainEvents } from '../events/domain-events';
import { AlertSender } from './alert-sender';
import { AlertRecipientsController, AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { AlertOutbox } from './alert-outbox';
import { AlertRecipients } from './alert-recipients';
import { AlertSecrets } from './alert-secrets';
import { AlertsWorker } from './alerts.worker';

@Module({
  controllers: [AlertsController, AlertRecipientsController],
  providers: [
    {
      provide: SecretBox,
      useFactory: (c: AppConfig) => new SecretBox(c.encryptionKey, c.encryptionKeyPrevious),
      inject: [APP_CONFIG],
    },
    AlertsRepository,
    AlertSender,
    AlertRecipients,
    AlertOutbox,
    AlertSecrets,
    AlertsService,
    AlertsWorker,
  ],
})
export class AlertsModule implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly worker: AlertsWorker,
  ) {}

  /**
   * Alerts follow every cost detection run (after a sync and on demand) and every metric collection that found
   * anomalous points, in the detecting caller's tenant scope, once its episodes are committed.
   */
  onModuleInit(): void {
    this.events.on('anomaly.detected', 'alerts', ({ tenantId }) => this.worker.afterDetection(tenantId));
    this.events.on('metric.point_anomalous', 'alerts', ({ tenantId }) =>
      this.worker.afterDetection(tenantId),
    );
  }
}
