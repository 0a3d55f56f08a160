export * from './common';
export * from './auth';
export * from './tenants';
export * from './aws-connection';
export * from './costs';
export * from './anomaly';
export * from './audit';
export * from './metrics';
