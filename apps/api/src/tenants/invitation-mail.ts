import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { Mailer } from '../alerts/alert-transport';
import { escapeHtml } from '../common/html';

export interface InvitationMailContent {
  email: string;
  tenantName: string;
  role: string;
  inviter: string;
  /** `<invitation id>.<secret>`: the link's single-use token. */
  token: string;
  expiresAt: Date;
}

/**
 * The invitation email (when the platform sends email): a link to the console's invitation page, which accepts the
 * invitation signed in with the invited email, or signs up with it (the token proves the address). Sent after the
 * invitation is stored; failures are logged, never answered (the inviter's answer is the same either way).
 */
export class InvitationMail {
  private readonly logger = new Logger('Tenants');
  private readonly mailer: Mailer;

  constructor(private readonly config: AppConfig) {
    this.mailer = new Mailer(config.alerts.smtp, config.alerts.emailFrom, config.alerts.sendTimeoutMs);
  }

  async send(m: InvitationMailContent): Promise<void> {
    if (this.mailer.missing()) return;
    const link =
      `${this.config.publicUrl.replace(/\/$/, '')}/invitation?token=${encodeURIComponent(m.token)}` +
      `&email=${encodeURIComponent(m.email)}`;
    const text = [
      `${m.inviter} invited you to join ${m.tenantName} on Cost Optimizer as ${m.role}.`,
      '',
      `Open this link to accept (until ${m.expiresAt.toISOString().slice(0, 10)}); it works once:`,
      link,
      '',
      'With an account for this email, log in there to accept; without one, sign up there with this email.',
      'If you do not want to join, ignore this email.',
    ].join('\n');
    try {
      await this.mailer.send(
        [m.email],
        `[Cost Optimizer] Invitation to ${m.tenantName}`,
        text,
        escapeHtml(text).replace(/\n/g, '<br>'),
      );
    } catch (e) {
      this.logger.warn({
        msg: 'invitation email not sent',
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
