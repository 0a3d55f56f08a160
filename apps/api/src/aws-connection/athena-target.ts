import type { CurFormat } from '@cost-optimizer/dto';
import type { AthenaTarget } from '../aws/athena-runner';

/** Where the tenant's CUR is queried: the workgroup and results location, and the table with what verify read of it. */
export interface CurAthenaTarget extends AthenaTarget {
  /** The workgroup keeps results itself (managed query results): read them by paging, not from S3. */
  managedResults: boolean;
  database: string;
  table: string;
  format: CurFormat;
  columns: string[];
  partitionKeys: string[];
}

/**
 * The OutputLocation to send with each query, or null when the workgroup decides: managed results, a workgroup
 * that enforces its own configuration, or no results bucket given (the workgroup's own location then).
 */
export function resultsLocation(s: {
  managedResults: boolean;
  enforced?: boolean;
  resultsBucket?: string | null;
  resultsPrefix?: string | null;
}): string | null {
  if (s.managedResults || s.enforced || !s.resultsBucket) return null;
  return `s3://${s.resultsBucket}/${s.resultsPrefix ?? ''}`;
}
