import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AuditEvent, AuditEventPage, AuditEventQuery } from '@cost-optimizer/dto';
import { AuditEventSchema, type AuditEventEntity } from './audit.entity';
import { currentOrigin } from './audit-context';

export interface AuditRecord {
  tenantId: string;
  /** area.verb, e.g. member.added (see AUDIT_ACTIONS in the shared contract). */
  action: string;
  target?: { type: string; id?: string | null } | null;
  /** What changed. Keys that look like secrets are replaced by "[redacted]". */
  details?: Record<string, unknown>;
  /** Defaults to the caller of the current request. */
  actor?: { userId: string | null; email: string | null };
}

const SECRET_KEY =
  /pass(word)?|secret|token|external_?id|api_?key|private|credential|authorization|cookie|signature/i;

/** A copy of `value` without secret-looking keys (nested objects and arrays included). */
export function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => withoutSecrets(v, depth + 1));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) ? '[redacted]' : withoutSecrets(v, depth + 1),
      ]),
    );
  }
  return value;
}

/** The audit log: record() from any module (one call per change), read per tenant. */
@Injectable()
export class AuditService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Records one event. Pass the transaction's EntityManager to write it in the same transaction as the change
   * (it is persisted by that transaction's flush); without one it is written at once.
   */
  async record(event: AuditRecord, tx?: EntityManager): Promise<void> {
    const origin = currentOrigin();
    const actor = event.actor ?? {
      userId: origin?.user?.userId ?? null,
      email: origin?.user?.email ?? null,
    };
    const em = tx ?? this.em.fork();
    em.create(AuditEventSchema, {
      tenant: event.tenantId,
      actor_user_id: actor.userId,
      actor_email: actor.email,
      action: event.action,
      target_type: event.target?.type ?? null,
      target_id: event.target?.id ?? null,
      details: (withoutSecrets(event.details ?? {}) as Record<string, unknown>) ?? {},
      ip: origin?.ip ?? null,
      correlation_id: origin?.correlationId ?? null,
    });
    if (!tx) await em.flush();
  }

  /** A tenant's events, newest first. */
  async list(tenantId: string, q: AuditEventQuery): Promise<AuditEventPage> {
    const where = { tenant: tenantId, ...(q.action ? { action: q.action } : {}) };
    const [rows, total] = await this.em.fork().findAndCount(AuditEventSchema, where, {
      orderBy: { at: 'desc', id: 'desc' },
      limit: q.page_size,
      offset: (q.page - 1) * q.page_size,
    });
    return { items: rows.map(toAuditEventDto), total, page: q.page, page_size: q.page_size };
  }
}

export function toAuditEventDto(e: AuditEventEntity): AuditEvent {
  return {
    id: e.id,
    at: e.at.toISOString(),
    action: e.action,
    actor: { user_id: e.actor_user_id ?? null, email: e.actor_email ?? null },
    target: e.target_type ? { type: e.target_type, id: e.target_id ?? null } : null,
    details: e.details,
    ip: e.ip ?? null,
    correlation_id: e.correlation_id ?? null,
  };
}
