import { databaseUnavailable } from './database-errors';

describe('databaseUnavailable', () => {
  it('recognises a lost or refused connection however the error is wrapped', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(databaseUnavailable(refused)).toBe(true);
    expect(databaseUnavailable(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(databaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(databaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    // The ORM prefixes the query and may drop code and cause.
    expect(
      databaseUnavailable(new Error('insert into "app_user" ... - Connection terminated unexpectedly')),
    ).toBe(true);
    expect(
      databaseUnavailable(
        new Error('select 1 - Client has encountered a connection error and is not queryable'),
      ),
    ).toBe(true);
    expect(databaseUnavailable(new Error('terminating connection due to administrator command'))).toBe(true);
    expect(databaseUnavailable(new AggregateError([refused], 'all attempts failed'))).toBe(true);
  });

  it('leaves other errors alone', () => {
    expect(databaseUnavailable(new Error('duplicate key value violates unique constraint'))).toBe(false);
    expect(databaseUnavailable(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(databaseUnavailable(null)).toBe(false);
  });
});
