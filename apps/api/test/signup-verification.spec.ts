import { randomBytes } from 'node:crypto';
import { sql, testApp, until, type Session, type TestApp } from './harness';
import { smtpSink, type SmtpSink } from './smtp-sink';

/**
 * Email verification before sign-in (SIGNUP_EMAIL_VERIFICATION), invitation links, against a real PostgreSQL and a
 * real SMTP server: sign-up answers the same whatever the email, and no account exists until its link is used.
 */
const PASSWORD = 'correct-horse-battery';
const newEmail = (tag: string) => `${tag}-${randomBytes(4).toString('hex')}@example.com`;

/** The token of the newest link to `path` in an email to `address`, once it has arrived. */
async function linkToken(smtp: SmtpSink, address: string, path: 'verify-email' | 'invitation') {
  return until(`the ${path} email to ${address}`, () => {
    const m = new RegExp(`/${path}\\?token=([\\w.%-]+)`).exec(smtp.to(address).at(-1)?.text ?? '');
    return m ? decodeURIComponent(m[1]!) : null;
  });
}

/** Raw answer of a sign-up: status and the body's bytes. */
async function rawSignup(api: TestApp, body: Record<string, unknown>) {
  const res = await fetch(`${api.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

const userRows = (api: TestApp, email: string) =>
  sql(api.databaseUrl, 'select id from app_user where email = $1', [email]);

describe('sign-up with email verification (SMTP configured, SIGNUP_EMAIL_VERIFICATION=auto)', () => {
  let api: TestApp;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await smtpSink();
    api = await testApp({
      SIGNUP_EMAIL_VERIFICATION: 'auto',
      SMTP_URL: smtp.url,
      ALERT_EMAIL_FROM: 'Cost Optimizer <noreply@example.com>',
      PUBLIC_URL: 'https://costs.example.com',
    });
  });
  afterAll(async () => {
    await api?.close();
    await smtp?.close();
  });

  /** Signs up and verifies through the emailed link: the session of a new account. */
  async function verifiedSignup(
    email = newEmail('owner'),
    extra: Record<string, string> = {},
  ): Promise<Session> {
    const res = await api.post('/api/auth/signup', { email, password: PASSWORD, ...extra });
    expect(res.status).toBe(202);
    const verified = await api.post('/api/auth/verify-email', {
      token: await linkToken(smtp, email, 'verify-email'),
    });
    expect(verified.status).toBe(201);
    return { email, password: PASSWORD, ...verified.body };
  }

  it('answers a new and a taken email with the same 202 and the same bytes; no account exists before the link', async () => {
    const taken = await verifiedSignup();
    const fresh = newEmail('fresh');
    const a = await rawSignup(api, { email: fresh, password: PASSWORD, tenant_name: 'Fresh Ltd' });
    const before = smtp.to(taken.email).length;
    const b = await rawSignup(api, { email: taken.email, password: 'another-password-1' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(a.text).toBe(b.text);
    expect(JSON.parse(a.text)).toEqual({ status: 'check_email', message: 'Check your email to continue.' });
    // The new email: a link, a pending sign-up holding only the token's hash, and no user.
    const token = await linkToken(smtp, fresh, 'verify-email');
    expect(await userRows(api, fresh)).toHaveLength(0);
    const pending = await sql(api.databaseUrl, 'select token_hash from pending_signup where email = $1', [
      fresh,
    ]);
    expect(pending).toHaveLength(1);
    expect(pending[0].token_hash).not.toContain(token);
    expect(smtp.to(fresh).at(-1)!.text).toContain('https://costs.example.com/verify-email?token=');
    // The taken email: the note, no link; still one account.
    const note = await until('the note to the taken address', () => smtp.to(taken.email)[before]);
    expect(note.text).toContain('which already has one');
    expect(note.text).not.toMatch(/verify-email\?token=/);
    expect(await userRows(api, taken.email)).toHaveLength(1);
  });

  it('creates the account from the link once, signed in; a second use, a wrong and an expired token fail', async () => {
    const email = newEmail('ada');
    await api.post('/api/auth/signup', { email, password: PASSWORD, name: 'Ada', tenant_name: 'Engines' });
    const token = await linkToken(smtp, email, 'verify-email');
    const verified = await api.post('/api/auth/verify-email', { token });
    expect(verified.status).toBe(201);
    expect(verified.headers.get('set-cookie')).toMatch(/co_refresh=/);
    const me = await api.get('/api/auth/me', verified.body.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { email, name: 'Ada' },
      tenant: { name: 'Engines' },
      role: 'owner',
    });
    expect((await api.post('/api/auth/login', { email, password: PASSWORD })).status).toBe(200);
    expect(await sql(api.databaseUrl, 'select 1 from pending_signup where email = $1', [email])).toHaveLength(
      0,
    );

    const again = await api.post('/api/auth/verify-email', { token });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'VERIFICATION_TOKEN_INVALID', details: [{ field: 'token' }] });
    expect(again.body.correlation_id).toEqual(expect.any(String));

    const wrong = await api.post('/api/auth/verify-email', { token: randomBytes(32).toString('base64url') });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('VERIFICATION_TOKEN_INVALID');

    const late = newEmail('late');
    await api.post('/api/auth/signup', { email: late, password: PASSWORD });
    const lateToken = await linkToken(smtp, late, 'verify-email');
    await sql(
      api.databaseUrl,
      `update pending_signup set expires_at = now() - interval '1 minute' where email = $1`,
      [late],
    );
    const expired = await api.post('/api/auth/verify-email', { token: lateToken });
    expect(expired.status).toBe(400);
    expect(expired.body.code).toBe('VERIFICATION_TOKEN_INVALID');
    expect(expired.body.message).toMatch(/expired/);
    expect(await userRows(api, late)).toHaveLength(0);
  });

  it('keeps only the newest link of an email and purges expired sign-ups', async () => {
    const email = newEmail('twice');
    await api.post('/api/auth/signup', { email, password: PASSWORD, tenant_name: 'First' });
    const first = await linkToken(smtp, email, 'verify-email');
    await api.post('/api/auth/signup', { email, password: PASSWORD, tenant_name: 'Second' });
    const second = await until('the second link', async () => {
      const t = await linkToken(smtp, email, 'verify-email');
      return t !== first ? t : null;
    });
    const stale = newEmail('stale');
    await api.post('/api/auth/signup', { email: stale, password: PASSWORD });
    await sql(
      api.databaseUrl,
      `update pending_signup set expires_at = now() - interval '1 minute' where email = $1`,
      [stale],
    );
    expect((await api.post('/api/auth/verify-email', { token: first })).status).toBe(400);
    const ok = await api.post('/api/auth/verify-email', { token: second });
    expect(ok.status).toBe(201);
    expect((await api.get('/api/auth/me', ok.body.access_token)).body.tenant.name).toBe('Second');
    // The sign-up above purged the other expired one.
    await api.post('/api/auth/signup', { email: newEmail('purger'), password: PASSWORD });
    expect(await sql(api.databaseUrl, 'select 1 from pending_signup where email = $1', [stale])).toHaveLength(
      0,
    );
  });

  it('emails an invitation whose link signs the invitee up once, into the inviting tenant; an account taken meanwhile fails the pending link cleanly', async () => {
    const owner = await verifiedSignup(newEmail('boss'), { tenant_name: 'Inviting Co' });
    const invitee = newEmail('grace');
    // Grace signed up on her own too (pending), and then an invitation arrives.
    await api.post('/api/auth/signup', { email: invitee, password: PASSWORD });
    const pendingToken = await linkToken(smtp, invitee, 'verify-email');
    const inv = await api.post(
      '/api/tenants/current/members',
      { email: invitee, role: 'admin' },
      owner.access_token,
    );
    expect(inv.status).toBe(202);
    const token = await linkToken(smtp, invitee, 'invitation');
    const mail = smtp.to(invitee).at(-1)!.text;
    expect(mail).toContain(`${owner.email} invited you to join Inviting Co`);
    expect(token.startsWith(`${inv.body.id}.`)).toBe(true);
    expect(
      (await sql(api.databaseUrl, 'select token_hash from invitation where id = $1', [inv.body.id]))[0]
        .token_hash,
    ).not.toContain(token.split('.')[1]);

    const wrongEmail = await api.post('/api/auth/signup', {
      email: newEmail('mallory'),
      password: PASSWORD,
      invitation_token: token,
    });
    expect(wrongEmail.status).toBe(422);
    expect(wrongEmail.body.code).toBe('INVITATION_EMAIL_MISMATCH');
    const forged = await api.post('/api/auth/signup', {
      email: invitee,
      password: PASSWORD,
      invitation_token: `${inv.body.id}.${randomBytes(32).toString('base64url')}`,
    });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('INVITATION_TOKEN_INVALID');

    const joined = await api.post('/api/auth/signup', {
      email: invitee,
      password: PASSWORD,
      name: 'Grace',
      invitation_token: token,
    });
    expect(joined.status).toBe(201);
    const me = await api.get('/api/auth/me', joined.body.access_token);
    expect(me.body).toMatchObject({
      user: { email: invitee },
      tenant: { name: 'Inviting Co' },
      role: 'admin',
    });
    expect(me.body.memberships).toHaveLength(1);
    const reused = await api.post('/api/auth/signup', {
      email: invitee,
      password: PASSWORD,
      invitation_token: token,
    });
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('INVITATION_TOKEN_INVALID');

    // Her own pending sign-up's link now meets an account: 409, nothing created, the link used up.
    const tenantsBefore = await sql(api.databaseUrl, 'select count(*)::int as n from tenant');
    const late = await api.post('/api/auth/verify-email', { token: pendingToken });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'EMAIL_TAKEN', correlation_id: expect.any(String) });
    expect(await sql(api.databaseUrl, 'select count(*)::int as n from tenant')).toEqual(tenantsBefore);
    expect(await userRows(api, invitee)).toHaveLength(1);
    expect((await api.post('/api/auth/verify-email', { token: pendingToken })).status).toBe(400);
  });

  it('emails an invitation to an existing account too, which still accepts it signed in', async () => {
    const owner = await verifiedSignup(newEmail('boss2'), { tenant_name: 'Second Co' });
    const member = await verifiedSignup(newEmail('linus'));
    const inv = await api.post(
      '/api/tenants/current/members',
      { email: member.email, role: 'viewer' },
      owner.access_token,
    );
    const token = await linkToken(smtp, member.email, 'invitation');
    expect(token.split('.')[0]).toBe(inv.body.id);
    const viaSignup = await api.post('/api/auth/signup', {
      email: member.email,
      password: PASSWORD,
      invitation_token: token,
    });
    expect(viaSignup.status).toBe(409);
    expect(viaSignup.body.code).toBe('EMAIL_TAKEN');
    const accepted = await api.post(`/api/invitations/${inv.body.id}/accept`, {}, member.access_token);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ email: member.email, role: 'viewer' });
  });

  it('keeps pending sign-ups (password hashes) out of the tenant role’s reach', async () => {
    const [grants] = await sql(
      api.databaseUrl,
      `select has_table_privilege('cost_optimizer_tenant', 'pending_signup', 'SELECT, INSERT, UPDATE, DELETE') as tenant,
              has_table_privilege('cost_optimizer_platform', 'pending_signup', 'SELECT, INSERT, UPDATE, DELETE') as platform`,
    );
    expect(grants).toEqual({ tenant: false, platform: true });
  });

  it('limits verification attempts per address like login', async () => {
    // A database of its own: the counters of this file's other tests stay out of it.
    const limited = await testApp({
      SIGNUP_EMAIL_VERIFICATION: 'auto',
      SMTP_URL: smtp.url,
      ALERT_EMAIL_FROM: 'noreply@example.com',
      LOGIN_MAX_ATTEMPTS_PER_IP: '3',
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push(
          (await limited.post('/api/auth/verify-email', { token: randomBytes(32).toString('base64url') }))
            .status,
        );
      }
      expect(codes).toEqual([400, 400, 400, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('sign-up with verification off (SMTP configured, SIGNUP_EMAIL_VERIFICATION=off)', () => {
  let api: TestApp;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await smtpSink();
    api = await testApp({
      SIGNUP_EMAIL_VERIFICATION: 'off',
      SMTP_URL: smtp.url,
      ALERT_EMAIL_FROM: 'noreply@example.com',
    });
  });
  afterAll(async () => {
    await api?.close();
    await smtp?.close();
  });

  it('signs a new email in at once (201) and answers a taken one 202 check_email with a note, as before', async () => {
    const email = newEmail('quick');
    const first = await api.post('/api/auth/signup', { email, password: PASSWORD });
    expect(first.status).toBe(201);
    expect(first.body.access_token).toEqual(expect.any(String));
    expect(await sql(api.databaseUrl, 'select 1 from pending_signup')).toHaveLength(0);
    const second = await api.post('/api/auth/signup', { email, password: PASSWORD });
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ status: 'check_email', message: 'Check your email to continue.' });
    await until('the note', () => smtp.to(email).some((m) => /already has one/.test(m.text)));
  });
});
