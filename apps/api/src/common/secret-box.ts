import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM with a key derived (HKDF-SHA256) from ENCRYPTION_KEY. No framework.
 *
 * Sealed form: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id is a short hash of the derived
 * key, so a value says which key sealed it: after a rotation the previous keys still open old values, and
 * `needsReseal` tells which values to seal again with the current key. The optional context (e.g.
 * `alert_subscription:<id>:url`) is authenticated data: a value copied to another row or column does not open.
 */
export class SecretBox {
  private readonly current: { id: string; key: Buffer };
  private readonly keys = new Map<string, Buffer>();

  /** @param secret the current ENCRYPTION_KEY; @param previous older keys that may still have sealed values */
  constructor(secret: string, previous: readonly string[] = []) {
    this.current = derive(secret);
    for (const s of [secret, ...previous]) {
      const k = derive(s);
      if (!this.keys.has(k.id)) this.keys.set(k.id, k.key);
    }
  }

  get keyId(): string {
    return this.current.id;
  }

  seal(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.current.id, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
  }

  open(sealed: string, context = ''): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new SecretBoxError('not a sealed value');
    const [, kid, iv, tag, ct] = parts as [string, string, string, string, string];
    const key = this.keys.get(kid);
    if (!key)
      throw new SecretBoxError(
        `sealed with an unknown key (${kid}): set the key it was sealed with in ENCRYPTION_KEY_PREVIOUS`,
      );
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new SecretBoxError('the value does not open (tampered, or another context)');
    }
  }

  /** True when the value was sealed with an older key and should be sealed again. */
  needsReseal(sealed: string): boolean {
    return sealed.split('.')[1] !== this.current.id;
  }
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(`Secret: ${message}`);
    this.name = 'SecretBoxError';
  }
}

function derive(secret: string): { id: string; key: Buffer } {
  const key = Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'cost-optimizer', 'secret-box/v1/aes-256-gcm', 32),
  );
  const id = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return { id, key };
}

const b64 = (b: Buffer) => b.toString('base64url');
