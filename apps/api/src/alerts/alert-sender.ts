import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { SecretBox } from '../common/secret-box';
import {
  renderHtml,
  renderSlack,
  renderText,
  renderWebhook,
  subjectOf,
  type AlertItem,
  type DeliveryKind,
} from './alert-message';
import {
  DeliveryFailure,
  Mailer,
  postJson,
  resolveChecked,
  signatureOf,
  type SendResult,
} from './alert-transport';
import type { AlertSubscriptionEntity } from './alerts.entity';
import type { OutboundPolicy } from './ssrf';

export const urlContext = (id: string) => `alert_subscription:${id}:url`;
export const secretContext = (id: string) => `alert_subscription:${id}:secret`;

/** Sends one message of a subscription through its channel; the sealed URL and secret are opened only here. */
@Injectable()
export class AlertSender implements OnApplicationShutdown {
  readonly mailer: Mailer;
  readonly policy: OutboundPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly box: SecretBox,
  ) {
    this.mailer = new Mailer(config.alerts.smtp, config.alerts.emailFrom, config.alerts.sendTimeoutMs);
    this.policy = {
      allowHttp: config.alerts.allowHttp,
      allowHosts: config.alerts.allowHosts,
      allowPorts: config.alerts.allowPorts,
    };
  }

  onApplicationShutdown(): void {
    this.mailer.close();
  }

  /** Create/update-time check of a Slack/webhook URL: scheme, DNS and addresses (throws DeliveryFailure). */
  async checkTarget(url: string): Promise<void> {
    await resolveChecked(url, this.policy);
  }

  async send(
    sub: AlertSubscriptionEntity,
    kind: DeliveryKind,
    items: readonly AlertItem[],
    deliveryId: string,
    /** Email: the confirmed recipients (AlertsService.confirmedAmong); nothing goes to an unconfirmed address. */
    confirmedTo: readonly string[] = [],
  ): Promise<SendResult> {
    const subject = subjectOf(kind, items, sub.name);
    switch (sub.channel) {
      case 'email': {
        const to = sub.recipients.filter((r) => confirmedTo.includes(r));
        if (to.length === 0)
          throw new DeliveryFailure('config', 'No recipient has confirmed these alerts yet');
        return this.mailer.send(
          to,
          subject,
          renderText(kind, items, sub.name),
          renderHtml(kind, items, sub.name),
        );
      }
      case 'slack':
        return postJson(
          this.openUrl(sub),
          JSON.stringify(renderSlack(kind, items, sub.name)),
          {},
          this.policy,
          this.config.alerts.sendTimeoutMs,
        );
      case 'webhook': {
        if (!sub.secret_sealed) throw new DeliveryFailure('config', 'The webhook has no signing secret');
        const secret = this.box.open(sub.secret_sealed, secretContext(sub.id));
        const now = new Date();
        const body = JSON.stringify(
          renderWebhook(kind, items, { id: sub.id, name: sub.name }, deliveryId, now),
        );
        const timestamp = String(Math.floor(now.getTime() / 1000));
        return postJson(
          this.openUrl(sub),
          body,
          {
            'x-costoptimizer-signature': signatureOf(secret, timestamp, body),
            'x-costoptimizer-timestamp': timestamp,
            'x-costoptimizer-delivery': deliveryId,
            'x-costoptimizer-event': kind,
          },
          this.policy,
          this.config.alerts.sendTimeoutMs,
        );
      }
    }
  }

  private openUrl(sub: AlertSubscriptionEntity): string {
    if (!sub.url_sealed) throw new DeliveryFailure('config', 'The subscription has no URL');
    try {
      return this.box.open(sub.url_sealed, urlContext(sub.id));
    } catch (e) {
      throw new DeliveryFailure('config', e instanceof Error ? e.message : String(e));
    }
  }
}
