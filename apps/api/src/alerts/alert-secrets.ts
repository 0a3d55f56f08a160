import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { SecretBox } from '../common/secret-box';
import { secretContext, urlContext } from './alert-sender';
import { AlertSubscriptionSchema } from './alerts.entity';
import { AlertsRepository } from './alerts.repository';

/**
 * Subscription URLs and signing secrets sealed at rest: after a key rotation, sealed again with the current key.
 */
@Injectable()
export class AlertSecrets {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly box: SecretBox,
  ) {}

  /** Platform scope, ids only: the tenants with subscription URLs or secrets sealed with a previous key. */
  tenantsToReseal(): Promise<string[]> {
    return this.repo.tenantsWithStaleSeals(this.box.keyId);
  }

  /**
   * After a key rotation: seals the tenant's URLs and secrets sealed with a previous ENCRYPTION_KEY again with the
   * current one. Runs in the caller's tenant scope (the worker's withTenant).
   */
  async resealTenant(tenantId: string): Promise<number> {
    const em = this.em.fork();
    const subs = await em.find(AlertSubscriptionSchema, {
      tenant: tenantId,
      $or: [{ url_sealed: { $ne: null } }, { secret_sealed: { $ne: null } }],
    });
    let n = 0;
    for (const s of subs) {
      if (s.url_sealed && this.box.needsReseal(s.url_sealed)) {
        s.url_sealed = this.box.seal(this.box.open(s.url_sealed, urlContext(s.id)), urlContext(s.id));
        n++;
      }
      if (s.secret_sealed && this.box.needsReseal(s.secret_sealed)) {
        s.secret_sealed = this.box.seal(
          this.box.open(s.secret_sealed, secretContext(s.id)),
          secretContext(s.id),
        );
        n++;
      }
    }
    await em.flush();
    return n;
  }
}
