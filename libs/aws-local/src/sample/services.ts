/** The services, usage types and rates the sample draws from (public on-demand prices, rounded). */
export interface UsageSpec {
  usageType: string;
  operation: string;
  unit: string;
  /** Public on-demand price per unit. */
  rate: number;
  /** Usage units per hour for one resource (hourly streams) or per day (daily streams). */
  amount: number;
  hourly: boolean;
  family: string;
  instanceType?: string;
  /** Which commitment may cover it. */
  coverable?: 'ri' | 'sp' | 'both';
  /** Regional prefix applies (us-east-1 has none, like AWS). */
  regional?: boolean;
  resource:
    'instance' | 'volume' | 'bucket' | 'function' | 'table' | 'cluster' | 'none' | 'nat' | 'db' | 'cache';
}

export interface ServiceSpec {
  code: string;
  name: string;
  category: string;
  global?: boolean;
  usages: UsageSpec[];
}

export const SERVICES: ServiceSpec[] = [
  {
    code: 'AmazonEC2',
    name: 'Amazon Elastic Compute Cloud',
    category: 'Compute',
    usages: [
      {
        usageType: 'BoxUsage:m5.large',
        operation: 'RunInstances',
        unit: 'Hrs',
        rate: 0.096,
        amount: 1,
        hourly: true,
        family: 'Compute Instance',
        instanceType: 'm5.large',
        coverable: 'both',
        regional: true,
        resource: 'instance',
      },
      {
        usageType: 'BoxUsage:c5.xlarge',
        operation: 'RunInstances',
        unit: 'Hrs',
        rate: 0.17,
        amount: 1,
        hourly: true,
        family: 'Compute Instance',
        instanceType: 'c5.xlarge',
        coverable: 'both',
        regional: true,
        resource: 'instance',
      },
      {
        usageType: 'BoxUsage:t3.medium',
        operation: 'RunInstances',
        unit: 'Hrs',
        rate: 0.0416,
        amount: 1,
        hourly: true,
        family: 'Compute Instance',
        instanceType: 't3.medium',
        coverable: 'sp',
        regional: true,
        resource: 'instance',
      },
      {
        usageType: 'EBS:VolumeUsage.gp3',
        operation: 'CreateVolume-Gp3',
        unit: 'GB-Mo',
        rate: 0.08,
        amount: 6.5,
        hourly: false,
        family: 'Storage',
        regional: true,
        resource: 'volume',
      },
      {
        usageType: 'NatGateway-Hours',
        operation: 'NatGateway',
        unit: 'Hrs',
        rate: 0.045,
        amount: 1,
        hourly: true,
        family: 'NAT Gateway',
        regional: true,
        resource: 'nat',
      },
      {
        usageType: 'NatGateway-Bytes',
        operation: 'NatGateway',
        unit: 'GB',
        rate: 0.045,
        amount: 40,
        hourly: false,
        family: 'NAT Gateway',
        regional: true,
        resource: 'nat',
      },
    ],
  },
  {
    code: 'AmazonRDS',
    name: 'Amazon Relational Database Service',
    category: 'Databases',
    usages: [
      {
        usageType: 'InstanceUsage:db.r5.large',
        operation: 'CreateDBInstance:0014',
        unit: 'Hrs',
        rate: 0.25,
        amount: 1,
        hourly: true,
        family: 'Database Instance',
        instanceType: 'db.r5.large',
        coverable: 'ri',
        regional: true,
        resource: 'db',
      },
      {
        usageType: 'RDS:GP2-Storage',
        operation: 'CreateDBInstance:0014',
        unit: 'GB-Mo',
        rate: 0.115,
        amount: 3.3,
        hourly: false,
        family: 'Database Storage',
        regional: true,
        resource: 'db',
      },
    ],
  },
  {
    code: 'AmazonS3',
    name: 'Amazon Simple Storage Service',
    category: 'Storage',
    usages: [
      {
        usageType: 'TimedStorage-ByteHrs',
        operation: 'StandardStorage',
        unit: 'GB-Mo',
        rate: 0.023,
        amount: 120,
        hourly: false,
        family: 'Storage',
        regional: true,
        resource: 'bucket',
      },
      {
        usageType: 'Requests-Tier1',
        operation: 'PutObject',
        unit: 'Requests',
        rate: 0.000005,
        amount: 400000,
        hourly: false,
        family: 'API Request',
        regional: true,
        resource: 'bucket',
      },
    ],
  },
  {
    code: 'AWSLambda',
    name: 'AWS Lambda',
    category: 'Compute',
    usages: [
      {
        usageType: 'Lambda-GB-Second',
        operation: 'Invoke',
        unit: 'Lambda-GB-Second',
        rate: 0.0000166667,
        amount: 900000,
        hourly: false,
        family: 'Serverless',
        coverable: 'sp',
        regional: true,
        resource: 'function',
      },
      {
        usageType: 'Request',
        operation: 'Invoke',
        unit: 'Requests',
        rate: 0.0000002,
        amount: 3000000,
        hourly: false,
        family: 'Serverless',
        regional: true,
        resource: 'function',
      },
    ],
  },
  {
    code: 'AmazonDynamoDB',
    name: 'Amazon DynamoDB',
    category: 'Databases',
    usages: [
      {
        usageType: 'ReadCapacityUnit-Hrs',
        operation: 'CommittedThroughput',
        unit: 'ReadCapacityUnit-Hrs',
        rate: 0.00013,
        amount: 200,
        hourly: true,
        family: 'Provisioned IOPS',
        regional: true,
        resource: 'table',
      },
      {
        usageType: 'TimedStorage-ByteHrs',
        operation: 'StandardStorage',
        unit: 'GB-Mo',
        rate: 0.25,
        amount: 2,
        hourly: false,
        family: 'Database Storage',
        regional: true,
        resource: 'table',
      },
    ],
  },
  {
    code: 'AmazonCloudFront',
    name: 'Amazon CloudFront',
    category: 'Networking',
    global: true,
    usages: [
      {
        usageType: 'US-DataTransfer-Out-Bytes',
        operation: 'GET',
        unit: 'GB',
        rate: 0.085,
        amount: 60,
        hourly: false,
        family: 'Data Transfer',
        resource: 'none',
      },
    ],
  },
  {
    code: 'AmazonCloudWatch',
    name: 'AmazonCloudWatch',
    category: 'Management and Governance',
    usages: [
      {
        usageType: 'CW:MetricMonitorUsage',
        operation: 'MetricStorage',
        unit: 'Metrics',
        rate: 0.3,
        amount: 3,
        hourly: false,
        family: 'Metric',
        regional: true,
        resource: 'none',
      },
      {
        usageType: 'DataProcessing-Bytes',
        operation: 'PutLogEvents',
        unit: 'GB',
        rate: 0.5,
        amount: 4,
        hourly: false,
        family: 'Data Payload',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AmazonEKS',
    name: 'Amazon Elastic Container Service for Kubernetes',
    category: 'Containers',
    usages: [
      {
        usageType: 'AmazonEKS-Hours:perCluster',
        operation: 'CreateOperation',
        unit: 'Hrs',
        rate: 0.1,
        amount: 1,
        hourly: true,
        family: 'Compute',
        regional: true,
        resource: 'cluster',
      },
    ],
  },
  {
    code: 'AmazonECS',
    name: 'Amazon Elastic Container Service',
    category: 'Containers',
    usages: [
      {
        usageType: 'Fargate-vCPU-Hours:perCPU',
        operation: 'FargateTask',
        unit: 'hours',
        rate: 0.04048,
        amount: 4,
        hourly: true,
        family: 'Compute',
        coverable: 'sp',
        regional: true,
        resource: 'cluster',
      },
    ],
  },
  {
    code: 'AmazonElastiCache',
    name: 'Amazon ElastiCache',
    category: 'Databases',
    usages: [
      {
        usageType: 'NodeUsage:cache.r6g.large',
        operation: 'CreateCacheCluster:0002',
        unit: 'Hrs',
        rate: 0.206,
        amount: 1,
        hourly: true,
        family: 'Cache Instance',
        instanceType: 'cache.r6g.large',
        coverable: 'ri',
        regional: true,
        resource: 'cache',
      },
    ],
  },
  {
    code: 'AmazonRedshift',
    name: 'Amazon Redshift',
    category: 'Analytics',
    usages: [
      {
        usageType: 'Node:ra3.xlplus',
        operation: 'RunComputeNode:0001',
        unit: 'Hrs',
        rate: 1.086,
        amount: 1,
        hourly: true,
        family: 'Compute Instance',
        instanceType: 'ra3.xlplus',
        regional: true,
        resource: 'cluster',
      },
    ],
  },
  {
    code: 'AmazonSNS',
    name: 'Amazon Simple Notification Service',
    category: 'Application Integration',
    usages: [
      {
        usageType: 'Requests-Tier1',
        operation: 'Publish',
        unit: 'Requests',
        rate: 0.0000005,
        amount: 2000000,
        hourly: false,
        family: 'API Request',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AWSQueueService',
    name: 'Amazon Simple Queue Service',
    category: 'Application Integration',
    usages: [
      {
        usageType: 'Requests-RBP',
        operation: 'SendMessage',
        unit: 'Requests',
        rate: 0.0000004,
        amount: 5000000,
        hourly: false,
        family: 'API Request',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'awskms',
    name: 'AWS Key Management Service',
    category: 'Security, Identity, and Compliance',
    usages: [
      {
        usageType: 'KMS-Keys',
        operation: 'CreateKey',
        unit: 'Keys',
        rate: 0.0333,
        amount: 6,
        hourly: false,
        family: 'Encryption Key',
        regional: true,
        resource: 'none',
      },
      {
        usageType: 'KMS-Requests',
        operation: 'Decrypt',
        unit: 'Requests',
        rate: 0.000003,
        amount: 200000,
        hourly: false,
        family: 'API Request',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AmazonVPC',
    name: 'Amazon Virtual Private Cloud',
    category: 'Networking',
    usages: [
      {
        usageType: 'VpcEndpoint-Hours',
        operation: 'VpcEndpoint',
        unit: 'Hrs',
        rate: 0.01,
        amount: 1,
        hourly: true,
        family: 'VpcEndpoint',
        regional: true,
        resource: 'none',
      },
      {
        usageType: 'PublicIPv4:InUseAddress',
        operation: 'AssociateAddressVPC',
        unit: 'Hrs',
        rate: 0.005,
        amount: 4,
        hourly: true,
        family: 'IP Address',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AmazonRoute53',
    name: 'Amazon Route 53',
    category: 'Networking',
    global: true,
    usages: [
      {
        usageType: 'HostedZone',
        operation: 'HostedZone',
        unit: 'HostedZone',
        rate: 0.0166,
        amount: 1,
        hourly: false,
        family: 'DNS Zone',
        resource: 'none',
      },
      {
        usageType: 'DNS-Queries',
        operation: 'Query',
        unit: 'Queries',
        rate: 0.0000004,
        amount: 800000,
        hourly: false,
        family: 'DNS Query',
        resource: 'none',
      },
    ],
  },
  {
    code: 'AWSDataTransfer',
    name: 'AWS Data Transfer',
    category: 'Networking',
    usages: [
      {
        usageType: 'DataTransfer-Out-Bytes',
        operation: 'InterZone-Out',
        unit: 'GB',
        rate: 0.09,
        amount: 35,
        hourly: false,
        family: 'Data Transfer',
        regional: true,
        resource: 'none',
      },
      {
        usageType: 'DataTransfer-Regional-Bytes',
        operation: 'InterZone-In',
        unit: 'GB',
        rate: 0.01,
        amount: 150,
        hourly: false,
        family: 'Data Transfer',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AmazonAthena',
    name: 'Amazon Athena',
    category: 'Analytics',
    usages: [
      {
        usageType: 'DataScannedInTB',
        operation: 'RunQuery',
        unit: 'Terabytes',
        rate: 5,
        amount: 0.08,
        hourly: false,
        family: 'Athena Queries',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AWSGlue',
    name: 'AWS Glue',
    category: 'Analytics',
    usages: [
      {
        usageType: 'ETL-DPU-Hour',
        operation: 'Jobrun',
        unit: 'DPU-Hour',
        rate: 0.44,
        amount: 6,
        hourly: false,
        family: 'AWS Glue',
        regional: true,
        resource: 'none',
      },
    ],
  },
  {
    code: 'AWSSecretsManager',
    name: 'AWS Secrets Manager',
    category: 'Security, Identity, and Compliance',
    usages: [
      {
        usageType: 'AWSSecretsManager-Secrets',
        operation: 'StoreSecret',
        unit: 'Secrets',
        rate: 0.0133,
        amount: 12,
        hourly: false,
        family: 'Secret',
        regional: true,
        resource: 'none',
      },
    ],
  },
];

/** Appears only as an injected anomaly (a service that did not exist before). */
export const NEW_SERVICE: ServiceSpec = {
  code: 'AmazonSageMaker',
  name: 'Amazon SageMaker',
  category: 'AI and Machine Learning',
  usages: [
    {
      usageType: 'ml.p3.2xlarge-Training',
      operation: 'CreateTrainingJob',
      unit: 'Hrs',
      rate: 3.825,
      amount: 1,
      hourly: true,
      family: 'ML Instance',
      instanceType: 'ml.p3.2xlarge',
      regional: true,
      resource: 'none',
    },
  ],
};

/** Demo scenario only: the instance type a ramp grows into (not drawn by the regular streams). */
export const M6I_XLARGE: UsageSpec = {
  usageType: 'BoxUsage:m6i.xlarge',
  operation: 'RunInstances',
  unit: 'Hrs',
  rate: 0.192,
  amount: 1,
  hourly: true,
  family: 'Compute Instance',
  instanceType: 'm6i.xlarge',
  regional: true,
  resource: 'instance',
};

export const SUPPORT: ServiceSpec = {
  code: 'AWSSupportBusiness',
  name: 'AWS Support (Business)',
  category: 'Support',
  global: true,
  usages: [],
};

export interface RegionSpec {
  id: string;
  prefix: string;
  location: string;
  factor: number;
  weight: number;
}

export const REGIONS: RegionSpec[] = [
  { id: 'us-east-1', prefix: 'USE1', location: 'US East (N. Virginia)', factor: 1, weight: 50 },
  { id: 'us-west-2', prefix: 'USW2', location: 'US West (Oregon)', factor: 1, weight: 20 },
  { id: 'eu-west-1', prefix: 'EU', location: 'EU (Ireland)', factor: 1.1, weight: 20 },
  { id: 'ap-southeast-2', prefix: 'APS2', location: 'Asia Pacific (Sydney)', factor: 1.2, weight: 10 },
];
