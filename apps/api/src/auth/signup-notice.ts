import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { Mailer } from '../alerts/alert-transport';

/**
 * The note to an address someone tried to sign up with when it already has an account: sign-up answers the same
 * `check_email` whether or not one exists, and the owner of the address learns what happened. Sent only when the
 * platform has SMTP (the alert mail settings); failures are logged, never answered.
 */
export class SignupNotice {
  private readonly logger = new Logger('Auth');
  private readonly mailer: Mailer;

  constructor(private readonly config: AppConfig) {
    this.mailer = new Mailer(config.alerts.smtp, config.alerts.emailFrom, config.alerts.sendTimeoutMs);
  }

  async send(email: string): Promise<void> {
    if (this.mailer.missing()) return;
    const login = `${this.config.publicUrl.replace(/\/$/, '')}/login`;
    const text = [
      'Someone tried to create a Cost Optimizer account with this email address, which already has one.',
      '',
      `If it was you, log in instead: ${login}`,
      'If it was not you, you can ignore this email: nothing changed in your account.',
    ].join('\n');
    try {
      await this.mailer.send(
        [email],
        '[Cost Optimizer] Sign-up with your email address',
        text,
        text.replace(/\n/g, '<br>'),
      );
    } catch (e) {
      this.logger.warn({ msg: 'sign-up notice not sent', error: e instanceof Error ? e.message : String(e) });
    }
  }
}
