import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AlertDeliveryPageSchema,
  AlertRecipientConfirmedSchema,
  ConfirmAlertRecipientSchema,
  type ConfirmAlertRecipient,
  AlertListQuerySchema,
  AlertSubscriptionPageSchema,
  AlertSubscriptionSchema,
  AlertSubscriptionWithSecretSchema,
  AlertTestResultSchema,
  CreateAlertSubscriptionSchema,
  UpdateAlertSubscriptionSchema,
  UuidSchema,
  type AlertListQuery,
  type CreateAlertSubscription,
  type UpdateAlertSubscription,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Public, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { AlertsService } from './alerts.service';
import { AlertRecipients } from './alert-recipients';

const IdPipe = new ZodPipe(UuidSchema, 'path');

@ApiTags('alerts')
@Controller('alert-subscriptions')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiContract({
    summary: 'Alert subscriptions of your tenant, oldest first',
    description: 'URLs are masked (scheme and host only); signing secrets are never returned here.',
    query: AlertListQuerySchema,
    response: AlertSubscriptionPageSchema,
    errors: [400],
  })
  list(@CurrentUser() u: AuthUser, @Query(new ZodPipe(AlertListQuerySchema, 'query')) q: AlertListQuery) {
    return this.alerts.list(u.tenantId, q);
  }

  @Post()
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Subscribe a channel to anomaly alerts (owner/admin)',
    description:
      'Slack and webhook URLs must be https (or http for ALERT_WEBHOOK_ALLOW_HOSTS), on a port of ALERT_WEBHOOK_PORTS, and reach a public address (private, loopback, link-local, CGNAT and multicast addresses are refused, also through DNS); they are stored encrypted. A webhook subscription answers with its signing secret: it is shown only here and on rotate-secret. Email recipients new to your company get a confirmation email and receive alerts only once they follow its link (pending_recipients lists those who have not); at most ALERT_CONFIRMATIONS_PER_DAY such emails per company per day.',
    body: CreateAlertSubscriptionSchema,
    response: AlertSubscriptionWithSecretSchema,
    status: 201,
    errors: {
      400: 'VALIDATION_FAILED: e.g. url (not https, private address) or monitor_ids (not yours)',
      403: 'FORBIDDEN',
      422: 'EMAIL_NOT_CONFIGURED: the platform has no SMTP server (names the variables to set)',
      429: 'RATE_LIMITED: more new recipients than the confirmation emails left today (Retry-After)',
    },
  })
  create(
    @CurrentUser() u: AuthUser,
    @Body(new ZodPipe(CreateAlertSubscriptionSchema)) body: CreateAlertSubscription,
  ) {
    return this.alerts.create(u.tenantId, body);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One alert subscription',
    description:
      'The subscription with its channel, recipients (and those who have not confirmed yet), masked URL, thresholds, frequency, the monitors and metric watches it covers, and its last delivery. Signing secrets are never returned here.',
    response: AlertSubscriptionSchema,
    errors: [404],
  })
  get(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.alerts.get(u.tenantId, id);
  }

  @Patch(':id')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Change an alert subscription (owner/admin)',
    description:
      'The channel cannot change. A new url is checked like on create; new recipients get a confirmation email like on create.',
    body: UpdateAlertSubscriptionSchema,
    response: AlertSubscriptionSchema,
    errors: [400, 403, 404, 429],
  })
  update(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Body(new ZodPipe(UpdateAlertSubscriptionSchema)) body: UpdateAlertSubscription,
  ) {
    return this.alerts.update(u.tenantId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Delete an alert subscription and its delivery history (owner/admin)',
    description: 'No alert is sent through it afterwards. Recorded in the audit log.',
    status: 204,
    errors: [403, 404],
  })
  async remove(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string): Promise<void> {
    await this.alerts.remove(u.tenantId, id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Send a test alert now (owner/admin)',
    description:
      'Sends an example alert through the channel at once and answers with the result; it is also listed in the deliveries. At most ALERT_TEST_PER_HOUR tests per company per rolling hour. Email: the test goes to confirmed recipients only, and recipients who have not confirmed get their confirmation email again.',
    response: AlertTestResultSchema,
    errors: {
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      422: 'EMAIL_NOT_CONFIGURED, or RECIPIENTS_UNCONFIRMED: no recipient confirmed yet (confirmations sent again)',
      429: 'RATE_LIMITED: ALERT_TEST_PER_HOUR reached (Retry-After)',
      502: 'ALERT_DELIVERY_FAILED: details.step names where it failed (dns, address, connect, tls, http, smtp) and details.error what the receiver said',
    },
  })
  test(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.alerts.test(u.tenantId, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Replace the signing secret of a webhook subscription (owner/admin)',
    description: 'The new secret is shown in this answer only; the old one stops signing at once.',
    response: AlertSubscriptionWithSecretSchema,
    errors: { 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'NO_SIGNING_SECRET: not a webhook subscription' },
  })
  rotate(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.alerts.rotateSecret(u.tenantId, id);
  }

  @Get(':id/deliveries')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Recent deliveries of a subscription, newest first',
    description: 'Status, attempts, the last error with its step, and when a queued delivery is retried.',
    query: AlertListQuerySchema,
    response: AlertDeliveryPageSchema,
    errors: [400, 404],
  })
  deliveries(
    @CurrentUser() u: AuthUser,
    @Param('id', IdPipe) id: string,
    @Query(new ZodPipe(AlertListQuerySchema, 'query')) q: AlertListQuery,
  ) {
    return this.alerts.deliveries(u.tenantId, id, q);
  }
}

@ApiTags('alerts')
@Controller('alert-recipients')
export class AlertRecipientsController {
  constructor(private readonly recipients: AlertRecipients) {}

  @Public()
  @Post('confirm')
  @HttpCode(200)
  @ApiContract({
    summary: 'Confirm an email address for alerts (the link of the confirmation email; no session)',
    description:
      'The console page /confirm-alerts?token=… sends the token here when the recipient presses Confirm. A link works once, within 7 days.',
    body: ConfirmAlertRecipientSchema,
    response: AlertRecipientConfirmedSchema,
    errors: { 400: 'VALIDATION_FAILED', 404: 'NOT_FOUND: unknown, used or expired link' },
    public: true,
  })
  confirm(@Body(new ZodPipe(ConfirmAlertRecipientSchema)) body: ConfirmAlertRecipient) {
    return this.recipients.confirmRecipient(body.token);
  }
}
