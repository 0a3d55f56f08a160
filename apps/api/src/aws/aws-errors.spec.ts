import { STSServiceException } from '@aws-sdk/client-sts';
import { tenantAwsErrorText } from './aws-errors';

describe('tenantAwsErrorText', () => {
  it('keeps the text of an error AWS answered', () => {
    const e = new STSServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: {},
      message: 'User: arn:aws:sts::1:assumed-role/x is not authorized to perform: sts:AssumeRole',
    });
    expect(tenantAwsErrorText(e)).toBe(
      'AccessDenied: User: arn:aws:sts::1:assumed-role/x is not authorized to perform: sts:AssumeRole',
    );
  });

  it('never shows the text of an error of ours: bugs, database errors, network errors', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'StorageDescriptor')");
    const db = Object.assign(new Error('relation "aws_connection" does not exist'), { code: '42P01' });
    const net = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:443'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 1 },
    });
    expect(tenantAwsErrorText(bug)).toBe(
      'Internal error, not from AWS: retry later; if it persists, contact support',
    );
    expect(tenantAwsErrorText(db)).toBe(
      'Internal error, not from AWS: retry later; if it persists, contact support',
    );
    expect(tenantAwsErrorText(net)).toBe('AWS could not be reached (network error): retry in a few minutes');
    expect(tenantAwsErrorText('a string')).not.toContain('a string');
  });
});
