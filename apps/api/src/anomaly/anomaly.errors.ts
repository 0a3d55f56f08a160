import { AppError } from '../common/errors';

export const tagMonitorUnsupported = () =>
  new AppError(
    422,
    'UNSUPPORTED_DIMENSION',
    'Tag monitors are not available yet: the stored cost data carries no tags. Use a custom monitor with a filter.',
  );
