/**
 * SQL of the aws-connection module that another module's single-statement read embeds (the dashboard's one round
 * trip): the connection's status of the tenant whose id is `tenantIdExpr`, or null when it never connected.
 */
export function connectionStatusSql(tenantIdExpr: string): string {
  return `(select c.status from aws_connection c where c.tenant_id = ${tenantIdExpr})`;
}
