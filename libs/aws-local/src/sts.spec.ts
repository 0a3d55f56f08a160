import { GetWorkGroupCommand } from '@aws-sdk/client-athena';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { assume, clients, PLATFORM, setup, sts, type Env } from './test/fixture';

const ROLE = 'arn:aws:iam::123456789012:role/CostOptimizerAccess';
let env: Env;
beforeAll(async () => {
  env = await setup('legacy', { days: 3, rowsPerDay: 40 });
});
afterAll(() => env.close());

const denied = (arn: string) =>
  `User: arn:aws:iam::999999999999:user/cost-optimizer-platform is not authorized to perform: sts:AssumeRole on resource: ${arn}`;

async function assumeError(roleArn: string, externalId?: string) {
  try {
    await sts(env.aws.url).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 's1',
        ...(externalId ? { ExternalId: externalId } : {}),
      }),
    );
  } catch (e) {
    return e as Error & { $metadata: { httpStatusCode: number } };
  }
  throw new Error('AssumeRole succeeded');
}

describe('STS trust policy', () => {
  it('issues credentials with the right External ID, and they identify the assumed role', async () => {
    const creds = await assume(env);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const me = await sts(env.aws.url, creds).send(new GetCallerIdentityCommand({}));
    expect(me.Account).toBe('123456789012');
    expect(me.Arn).toBe('arn:aws:sts::123456789012:assumed-role/CostOptimizerAccess/cost-optimizer-test');
    const platform = await sts(env.aws.url).send(new GetCallerIdentityCommand({}));
    expect(platform.Arn).toBe('arn:aws:iam::999999999999:user/cost-optimizer-platform');
  });

  it.each([
    ['a wrong External ID', ROLE, 'wrong-external-id'],
    ['no External ID on a role that requires one', ROLE, undefined],
    ['a wrong role', 'arn:aws:iam::123456789012:role/NoSuchRole', 'x1'],
    ['an unknown account', 'arn:aws:iam::210987654321:role/CostOptimizerAccess', 'x1'],
  ])('denies %s with AWS wording', async (_case, arn, ext) => {
    const e = await assumeError(arn, ext === 'x1' ? env.sample.externalId! : ext);
    expect(e.name).toBe('AccessDenied');
    expect(e.message).toBe(denied(arn));
    expect(e.$metadata.httpStatusCode).toBe(403);
  });

  it('lets a role without an External ID condition be assumed without one (insecure trust is detectable)', async () => {
    env.aws.setRole('123456789012', 'InsecureAccess', { external_id: null });
    const r = await sts(env.aws.url).send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/InsecureAccess',
        RoleSessionName: 'probe',
      }),
    );
    expect(r.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it('denies callers the trust policy does not name', async () => {
    env.aws.setRole('123456789012', 'OtherTrust', {
      external_id: 'abc-123',
      trusted: ['arn:aws:iam::111111111111:root'],
    });
    const arn = 'arn:aws:iam::123456789012:role/OtherTrust';
    const e = await assumeError(arn, 'abc-123');
    expect(e.message).toBe(denied(arn));
  });

  it('rejects DurationSeconds outside 900..MaxSessionDuration', async () => {
    await expect(
      sts(env.aws.url).send(
        new AssumeRoleCommand({
          RoleArn: ROLE,
          RoleSessionName: 'duration',
          ExternalId: env.sample.externalId!,
          DurationSeconds: 100,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(
      sts(env.aws.url).send(
        new AssumeRoleCommand({
          RoleArn: ROLE,
          RoleSessionName: 'duration',
          ExternalId: env.sample.externalId!,
          DurationSeconds: 7200,
        }),
      ),
    ).rejects.toThrow('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  });
});

describe('credentials', () => {
  it('expire: calls then fail with ExpiredToken / ExpiredTokenException', async () => {
    const creds = await assume(env);
    const { athena, s3 } = clients(env.aws.url, creds);
    await expect(athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).resolves.toBeDefined();
    env.aws.advanceClock(3601);
    try {
      await expect(athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).rejects.toMatchObject({
        name: 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
      });
      await expect(sts(env.aws.url, creds).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'ExpiredToken',
      });
      const { HeadBucketCommand } = await import('@aws-sdk/client-s3');
      await expect(s3.send(new HeadBucketCommand({ Bucket: 'cur-data' }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      env.aws.advanceClock(-3601);
    }
  });

  it('honours a shorter DurationSeconds', async () => {
    const r = await sts(env.aws.url).send(
      new AssumeRoleCommand({
        RoleArn: ROLE,
        RoleSessionName: 'short',
        ExternalId: env.sample.externalId!,
        DurationSeconds: 900,
      }),
    );
    const exp = r.Credentials!.Expiration!.getTime();
    expect(exp - Date.now()).toBeGreaterThan(890_000);
    expect(exp - Date.now()).toBeLessThanOrEqual(900_000);
  });

  it('rejects unknown temporary credentials with InvalidClientTokenId / UnrecognizedClientException', async () => {
    const fake = { accessKeyId: 'ASIAFAKEFAKEFAKEFAKE', secretAccessKey: 'x', sessionToken: 'y' };
    await expect(sts(env.aws.url, fake).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    });
    await expect(
      clients(env.aws.url, fake).athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' })),
    ).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
  });

  it('only reach their own account: another account sees nothing of this one', async () => {
    env.aws.setRole('222222222222', 'CostOptimizerAccess', { external_id: 'tenant-b-id' });
    const r = await sts(env.aws.url).send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::222222222222:role/CostOptimizerAccess',
        RoleSessionName: 'tenant-b',
        ExternalId: 'tenant-b-id',
      }),
    );
    const c = r.Credentials!;
    const other = clients(env.aws.url, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    });
    await expect(other.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: 'WorkGroup primary is not found.',
    });
    const { GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    await expect(other.s3.send(new ListObjectsV2Command({ Bucket: 'cur-data' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(other.s3.send(new GetObjectCommand({ Bucket: 'cur-data', Key: 'x' }))).rejects.toMatchObject(
      { name: 'AccessDenied' },
    );
  });

  it('the platform credentials themselves reach no customer account', async () => {
    await expect(
      clients(env.aws.url, PLATFORM).athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('a revoked role denies AssumeRole and its live sessions', async () => {
    env.aws.setRole('123456789012', 'ToRevoke', { external_id: 'revoke-me' });
    const arn = 'arn:aws:iam::123456789012:role/ToRevoke';
    const r = await sts(env.aws.url).send(
      new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'revoke', ExternalId: 'revoke-me' }),
    );
    const c = r.Credentials!;
    const athena = clients(env.aws.url, {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    }).athena;
    await athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    const res = await fetch(`${env.aws.url}/_aws-local/roles/123456789012/ToRevoke`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    await expect(athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect((await assumeError(arn, 'revoke-me')).message).toBe(denied(arn));
  });
});
