import { SecretBox } from './secret-box';

const KEY_A = 'a-first-encryption-key-of-at-least-32-chars';
const KEY_B = 'the-second-encryption-key-after-rotation-00';

describe('SecretBox', () => {
  it('seals a webhook URL so the stored text holds no part of it, and opens it again', () => {
    const box = new SecretBox(KEY_A);
    const url = 'https://hooks.slack.com/services/T0001/B0002/SeCrEtToKeN';
    const sealed = box.seal(url, 'alert_subscription:1:url');
    expect(sealed).toMatch(/^v1\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('SeCrEtToKeN');
    expect(sealed).not.toContain('hooks.slack.com');
    expect(box.open(sealed, 'alert_subscription:1:url')).toBe(url);
    // A fresh IV each time: the same plaintext never seals to the same text.
    expect(box.seal(url, 'alert_subscription:1:url')).not.toBe(sealed);
  });

  it('refuses a value moved to another row (context) or tampered with', () => {
    const box = new SecretBox(KEY_A);
    const sealed = box.seal('whsec_abc', 'alert_subscription:1:secret');
    expect(() => box.open(sealed, 'alert_subscription:2:secret')).toThrow(/does not open/);
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[4] = ct.toString('base64url');
    expect(() => box.open(parts.join('.'), 'alert_subscription:1:secret')).toThrow(/does not open/);
    expect(() => box.open('plain text', '')).toThrow(/not a sealed value/);
  });

  it('rotates: the new key opens values sealed with the previous one, which need a reseal', () => {
    const before = new SecretBox(KEY_A);
    const old = before.seal('https://example.com/hook', 'ctx');
    const after = new SecretBox(KEY_B, [KEY_A]);
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.open(old, 'ctx')).toBe('https://example.com/hook');
    expect(after.needsReseal(old)).toBe(true);
    const resealed = after.seal(after.open(old, 'ctx'), 'ctx');
    expect(after.needsReseal(resealed)).toBe(false);
    // Without the previous key the old value is unreadable, with a message that says what to set.
    expect(() => new SecretBox(KEY_B).open(old, 'ctx')).toThrow(/ENCRYPTION_KEY_PREVIOUS/);
  });
});
