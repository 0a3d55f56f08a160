import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { Mailer } from '../alerts/alert-transport';
import { escapeHtml } from '../common/html';

/**
 * The emails of sign-up, sent only when the platform has email (the alert mail settings); failures are logged, never
 * answered (sign-up answers before they are sent, so its timing does not depend on them):
 * - the note to an address someone tried to sign up with when it already has an account;
 * - the verification link of a new sign-up (SIGNUP_EMAIL_VERIFICATION).
 */
export class SignupNotice {
  private readonly logger = new Logger('Auth');
  private readonly mailer: Mailer;

  constructor(private readonly config: AppConfig) {
    this.mailer = new Mailer(config.alerts.smtp, config.alerts.emailFrom, config.alerts.sendTimeoutMs);
  }

  private link(path: string): string {
    return `${this.config.publicUrl.replace(/\/$/, '')}${path}`;
  }

  async send(email: string): Promise<void> {
    const text = [
      'Someone tried to create a Cost Optimizer account with this email address, which already has one.',
      '',
      `If it was you, log in instead: ${this.link('/login')}`,
      'If it was not you, you can ignore this email: nothing changed in your account.',
    ].join('\n');
    await this.deliver(email, '[Cost Optimizer] Sign-up with your email address', text, 'sign-up notice');
  }

  /** The link that creates the account: `/verify-email?token=…` on the console, valid `ttlHours`, single use. */
  async sendVerification(email: string, token: string, ttlHours: number): Promise<void> {
    const text = [
      'Someone (hopefully you) signed up to Cost Optimizer with this email address.',
      '',
      `To create the account and sign in, open this link within ${ttlHours} hours:`,
      this.link(`/verify-email?token=${encodeURIComponent(token)}`),
      '',
      'If it was not you, ignore this email: no account is created without the link.',
    ].join('\n');
    await this.deliver(email, '[Cost Optimizer] Verify your email address', text, 'verification email');
  }

  private async deliver(email: string, subject: string, text: string, what: string): Promise<void> {
    if (this.mailer.missing()) return;
    const html = escapeHtml(text).replace(/\n/g, '<br>');
    try {
      await this.mailer.send([email], subject, text, html);
    } catch (e) {
      this.logger.warn({ msg: `${what} not sent`, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
