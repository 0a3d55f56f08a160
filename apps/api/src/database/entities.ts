import {
  AlertDeliverySchema,
  AlertEventSchema,
  AlertRecipientSchema,
  AlertSendLogSchema,
  AlertSubscriptionSchema,
} from '../alerts/alerts.entity';
import { AnomalyMonitorSchema, AnomalySchema, AnomalySeriesStateSchema } from '../anomaly/anomaly.entity';
import { AuditEventSchema } from '../audit/audit.entity';
import { AwsConnectionSchema } from '../aws-connection/aws-connection.entity';
import { MetricCollectionRunSchema, MetricWatchSchema } from '../metrics/metric-watch.entity';
import { SyncRunSchema } from '../cur/sync-run.entity';
import { PendingSignupSchema } from '../auth/pending-signup.entity';
import { RateLimitBucketSchema } from '../auth/rate-limit.entity';
import { RefreshTokenSchema } from '../auth/refresh-token.entity';
import { InvitationSchema } from '../tenants/invitation.entity';
import { MembershipSchema, TenantSchema, UserSchema } from '../tenants/tenant.entity';

/** Every entity the ORM knows; migrations must match these (a test checks for drift). */
export const ENTITIES = [
  TenantSchema,
  UserSchema,
  MembershipSchema,
  InvitationSchema,
  RefreshTokenSchema,
  RateLimitBucketSchema,
  PendingSignupSchema,
  AwsConnectionSchema,
  SyncRunSchema,
  ...[AnomalyMonitorSchema, AnomalySchema, AnomalySeriesStateSchema],
  AuditEventSchema,
  ...[MetricWatchSchema, MetricCollectionRunSchema],
  ...[
    AlertSubscriptionSchema,
    AlertDeliverySchema,
    AlertEventSchema,
    AlertRecipientSchema,
    AlertSendLogSchema,
  ],
];
