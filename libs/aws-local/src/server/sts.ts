/** STS (awsQuery): AssumeRole with trust policies and External IDs, GetCallerIdentity. */
import { AwsError, requestId, xmlEscape } from './protocol';
import type { Principal, State } from './state';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function stsOperation(body: Buffer): { action: string; params: URLSearchParams } {
  const params = new URLSearchParams(body.toString('utf8'));
  return { action: params.get('Action') ?? '', params };
}

function validation(value: string, field: string, constraint: string) {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

export function handleSts(
  state: State,
  principal: Principal,
  action: string,
  params: URLSearchParams,
): string {
  switch (action) {
    case 'GetCallerIdentity':
      return `<GetCallerIdentityResponse xmlns="${NS}"><GetCallerIdentityResult><Arn>${xmlEscape(principal.arn)}</Arn><UserId>${xmlEscape(principal.userId)}</UserId><Account>${principal.accountId}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
    case 'AssumeRole':
      return assumeRole(state, principal, params);
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}

function assumeRole(state: State, principal: Principal, params: URLSearchParams): string {
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  const externalId = params.get('ExternalId');
  const durationRaw = params.get('DurationSeconds');
  if (roleArn.length < 20)
    throw validation(roleArn, 'roleArn', 'Member must have length greater than or equal to 20');
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw validation(
      sessionName,
      'roleSessionName',
      'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
    );
  if (externalId !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
    throw validation(
      externalId,
      'externalId',
      'Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*',
    );
  const duration = durationRaw === null ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900)
    throw validation(
      String(durationRaw),
      'durationSeconds',
      'Member must have value greater than or equal to 900',
    );
  const m = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]+)$/.exec(roleArn);
  if (!m) throw validation(roleArn, 'roleArn', 'Member must be a valid IAM role ARN');
  const [, accountId = '', roleName = ''] = m;
  if (principal.kind === 'session' && principal.session.revoked)
    throw state.denied('sts', principal.arn, 'sts:AssumeRole', roleArn);
  const denied = () => state.denied('sts', principal.arn, 'sts:AssumeRole', roleArn);
  const account = state.account(accountId);
  const role = account?.roles.find((r) => r.name === roleName);
  if (!account || !role) throw denied();
  const trusted = role.trusted.some(
    (t) =>
      t === '*' ||
      t === principal.arn ||
      t === principal.accountId ||
      t === `arn:aws:iam::${principal.accountId}:root` ||
      (principal.kind === 'session' &&
        t === `arn:aws:iam::${principal.accountId}:role/${principal.session.roleName}`),
  );
  if (!trusted) throw denied();
  // Condition StringEquals sts:ExternalId: only checked when the trust policy has it.
  if (role.external_id !== null && externalId !== role.external_id) throw denied();
  const max = principal.kind === 'session' ? 3600 : role.max_session_duration;
  if (duration > max)
    throw new AwsError(
      'ValidationError',
      `The requested DurationSeconds exceeds the ${principal.kind === 'session' ? '1 hour session limit for roles assumed by role chaining' : 'MaxSessionDuration set for this role'}.`,
    );
  const s = state.issue(account, roleName, sessionName, duration);
  const expiration = new Date(s.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `<AssumeRoleResponse xmlns="${NS}"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>${s.roleId}:${xmlEscape(sessionName)}</AssumedRoleId><Arn>${xmlEscape(s.arn)}</Arn></AssumedRoleUser><Credentials><AccessKeyId>${s.accessKeyId}</AccessKeyId><SecretAccessKey>${xmlEscape(s.secretAccessKey)}</SecretAccessKey><SessionToken>${xmlEscape(s.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials><PackedPolicySize>0</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
}
