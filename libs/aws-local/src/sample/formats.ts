/**
 * The column layout of each CUR format (AWS.md §3), as SQL over the generator's staging tables
 * `facts` (per-row numbers) and `profiles` (per-resource strings). Types are the ones Athena shows:
 * timestamps, doubles (FOCUS: decimals), strings, and MAP(VARCHAR, VARCHAR) for CUR 2.0/FOCUS maps.
 */
export type CurFormat = 'legacy' | 'cur2' | 'focus';

const rate = (col: string) => `printf('%.10f', ${col})`;
const nul = (col: string) => `NULLIF(${col}, '')`;
const tagMap = (prefix: string) =>
  `map_from_entries(list_filter([
    {'key': '${prefix}environment', 'value': NULLIF(tag_environment, '')},
    {'key': '${prefix}team', 'value': NULLIF(tag_team, '')},
    {'key': '${prefix}application', 'value': NULLIF(tag_application, '')},
    {'key': '${prefix}cost_center', 'value': NULLIF(tag_cost_center, '')}], e -> e.value IS NOT NULL))`;

function base(seed: number): string {
  return `WITH x AS (
    SELECT f.*, p.*, epoch_ms(f.start_s::BIGINT * 1000) AS ts, epoch_ms(f.end_s::BIGINT * 1000) AS te,
      md5('${seed}-' || f.profile || '-' || f.start_s) AS line_id
    FROM facts f JOIN profiles p USING (profile))`;
}

const interval = `strftime(ts, '%Y-%m-%dT%H:%M:%SZ') || '/' || strftime(te, '%Y-%m-%dT%H:%M:%SZ')`;

function legacy(seed: number): string {
  return `${base(seed)}
  SELECT
    line_id AS identity_line_item_id,
    ${interval} AS identity_time_interval,
    '' AS bill_invoice_id,
    'AWS' AS bill_billing_entity,
    'Anniversary' AS bill_bill_type,
    payer_id AS bill_payer_account_id,
    date_trunc('month', ts) AS bill_billing_period_start_date,
    date_trunc('month', ts) + INTERVAL 1 MONTH AS bill_billing_period_end_date,
    account_id AS line_item_usage_account_id,
    type AS line_item_line_item_type,
    ts AS line_item_usage_start_date,
    te AS line_item_usage_end_date,
    product_code AS line_item_product_code,
    usage_type AS line_item_usage_type,
    operation AS line_item_operation,
    az AS line_item_availability_zone,
    resource_id AS line_item_resource_id,
    usage AS line_item_usage_amount,
    normalization AS line_item_normalization_factor,
    usage * normalization AS line_item_normalized_usage_amount,
    'USD' AS line_item_currency_code,
    ${rate('unblended_rate')} AS line_item_unblended_rate,
    unblended AS line_item_unblended_cost,
    ${rate('unblended_rate')} AS line_item_blended_rate,
    unblended AS line_item_blended_cost,
    description AS line_item_line_item_description,
    tax_type AS line_item_tax_type,
    'Amazon Web Services, Inc.' AS line_item_legal_entity,
    ${rate('CASE WHEN unblended = 0 THEN 0 ELSE unblended_rate * net_unblended / unblended END')} AS line_item_net_unblended_rate,
    net_unblended AS line_item_net_unblended_cost,
    product_name AS product_product_name,
    product_code AS product_servicecode,
    family AS product_product_family,
    region AS product_region,
    location AS product_location,
    instance_type AS product_instance_type,
    pricing_term AS pricing_term,
    unit AS pricing_unit,
    ${rate('od_rate')} AS pricing_public_on_demand_rate,
    od_cost AS pricing_public_on_demand_cost,
    res_arn AS reservation_reservation_a_r_n,
    res_eff AS reservation_effective_cost,
    res_eff AS reservation_net_effective_cost,
    res_unused_upfront AS reservation_unused_amortized_upfront_fee_for_billing_period,
    res_unused_upfront AS reservation_net_unused_amortized_upfront_fee_for_billing_period,
    res_unused_recurring AS reservation_unused_recurring_fee,
    res_unused_recurring AS reservation_net_unused_recurring_fee,
    sp_arn AS savings_plan_savings_plan_a_r_n,
    ${rate('sp_rate')} AS savings_plan_savings_plan_rate,
    sp_eff AS savings_plan_savings_plan_effective_cost,
    sp_eff AS savings_plan_net_savings_plan_effective_cost,
    sp_commit AS savings_plan_total_commitment_to_date,
    sp_used AS savings_plan_used_commitment,
    edp AS discount_edp_discount,
    edp AS discount_total_discount,
    tag_environment AS resource_tags_user_environment,
    tag_team AS resource_tags_user_team,
    tag_application AS resource_tags_user_application,
    tag_cost_center AS resource_tags_user_cost_center,
    CAST(year(ts) AS VARCHAR) AS year,
    CAST(month(ts) AS VARCHAR) AS month
  FROM x`;
}

function cur2(seed: number): string {
  return `${base(seed)}
  SELECT
    'Anniversary' AS bill_bill_type,
    'AWS' AS bill_billing_entity,
    date_trunc('month', ts) + INTERVAL 1 MONTH AS bill_billing_period_end_date,
    date_trunc('month', ts) AS bill_billing_period_start_date,
    NULL::VARCHAR AS bill_invoice_id,
    'Amazon Web Services, Inc.' AS bill_invoicing_entity,
    payer_id AS bill_payer_account_id,
    payer_name AS bill_payer_account_name,
    MAP {}::MAP(VARCHAR, VARCHAR) AS cost_category,
    CASE WHEN edp <> 0 THEN MAP {'edp_discount': edp} ELSE MAP {}::MAP(VARCHAR, DOUBLE) END AS discount,
    edp AS discount_total_discount,
    line_id AS identity_line_item_id,
    ${interval} AS identity_time_interval,
    ${nul('az')} AS line_item_availability_zone,
    unblended AS line_item_blended_cost,
    ${rate('unblended_rate')} AS line_item_blended_rate,
    'USD' AS line_item_currency_code,
    'Amazon Web Services, Inc.' AS line_item_legal_entity,
    description AS line_item_line_item_description,
    type AS line_item_line_item_type,
    net_unblended AS line_item_net_unblended_cost,
    ${rate('CASE WHEN unblended = 0 THEN 0 ELSE unblended_rate * net_unblended / unblended END')} AS line_item_net_unblended_rate,
    normalization AS line_item_normalization_factor,
    usage * normalization AS line_item_normalized_usage_amount,
    ${nul('operation')} AS line_item_operation,
    product_code AS line_item_product_code,
    ${nul('resource_id')} AS line_item_resource_id,
    ${nul('tax_type')} AS line_item_tax_type,
    unblended AS line_item_unblended_cost,
    ${rate('unblended_rate')} AS line_item_unblended_rate,
    account_id AS line_item_usage_account_id,
    account_name AS line_item_usage_account_name,
    usage AS line_item_usage_amount,
    te AS line_item_usage_end_date,
    ts AS line_item_usage_start_date,
    usage_type AS line_item_usage_type,
    'USD' AS pricing_currency,
    od_cost AS pricing_public_on_demand_cost,
    ${rate('od_rate')} AS pricing_public_on_demand_rate,
    ${nul('pricing_term')} AS pricing_term,
    ${nul('unit')} AS pricing_unit,
    map_from_entries(list_filter([
      {'key': 'product_name', 'value': NULLIF(product_name, '')},
      {'key': 'region', 'value': NULLIF(region, '')},
      {'key': 'servicename', 'value': NULLIF(product_name, '')},
      {'key': 'instance_type', 'value': NULLIF(instance_type, '')},
      {'key': 'product_family', 'value': NULLIF(family, '')}], e -> e.value IS NOT NULL)) AS product,
    ${nul('instance_type')} AS product_instance_type,
    ${nul('location')} AS product_location,
    ${nul('family')} AS product_product_family,
    ${nul('region')} AS product_region_code,
    product_code AS product_servicecode,
    ${nul('res_arn')} AS reservation_reservation_a_r_n,
    res_eff AS reservation_effective_cost,
    res_eff AS reservation_net_effective_cost,
    res_unused_upfront AS reservation_unused_amortized_upfront_fee_for_billing_period,
    res_unused_upfront AS reservation_net_unused_amortized_upfront_fee_for_billing_period,
    res_unused_recurring AS reservation_unused_recurring_fee,
    res_unused_recurring AS reservation_net_unused_recurring_fee,
    ${tagMap('user_')} AS resource_tags,
    ${nul('sp_arn')} AS savings_plan_savings_plan_a_r_n,
    ${rate('sp_rate')} AS savings_plan_savings_plan_rate,
    sp_eff AS savings_plan_savings_plan_effective_cost,
    sp_eff AS savings_plan_net_savings_plan_effective_cost,
    sp_commit AS savings_plan_total_commitment_to_date,
    sp_used AS savings_plan_used_commitment,
    strftime(ts, '%Y-%m') AS billing_period
  FROM x`;
}

const CHARGE_CATEGORY = `CASE type
    WHEN 'Usage' THEN 'Usage' WHEN 'DiscountedUsage' THEN 'Usage' WHEN 'SavingsPlanCoveredUsage' THEN 'Usage'
    WHEN 'SavingsPlanNegation' THEN 'Usage'
    WHEN 'Tax' THEN 'Tax' WHEN 'Refund' THEN 'Adjustment'
    WHEN 'Credit' THEN 'Credit' WHEN 'EdpDiscount' THEN 'Credit' WHEN 'PrivateRateDiscount' THEN 'Credit'
    WHEN 'BundledDiscount' THEN 'Credit'
    ELSE 'Purchase' END`;

function focus(seed: number): string {
  const dec = (col: string) => `CAST(${col} AS DECIMAL(19, 10))`;
  return `${base(seed)}
  SELECT
    ${nul('az')} AS availabilityzone,
    ${dec('unblended')} AS billedcost,
    payer_id AS billingaccountid,
    payer_name AS billingaccountname,
    'USD' AS billingcurrency,
    date_trunc('month', ts) + INTERVAL 1 MONTH AS billingperiodend,
    date_trunc('month', ts) AS billingperiodstart,
    ${CHARGE_CATEGORY} AS chargecategory,
    NULL::VARCHAR AS chargeclass,
    description AS chargedescription,
    CASE WHEN type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation') THEN 'Usage-Based'
      WHEN type IN ('RIFee', 'SavingsPlanRecurringFee') OR (type = 'Fee' AND res_arn = '') THEN 'Recurring'
      ELSE 'One-Time' END AS chargefrequency,
    te AS chargeperiodend,
    ts AS chargeperiodstart,
    CASE WHEN res_arn <> '' THEN 'Usage' WHEN sp_arn <> '' THEN 'Spend' END AS commitmentdiscountcategory,
    NULLIF(coalesce(NULLIF(res_arn, ''), sp_arn), '') AS commitmentdiscountid,
    CASE WHEN type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Used'
      WHEN type IN ('RIFee', 'SavingsPlanRecurringFee') THEN 'Unused' END AS commitmentdiscountstatus,
    CASE WHEN res_arn <> '' THEN 'Reserved Instance' WHEN sp_arn <> '' THEN 'Compute Savings Plan' END AS commitmentdiscounttype,
    ${dec('usage')} AS consumedquantity,
    ${nul('unit')} AS consumedunit,
    ${dec('unblended')} AS contractedcost,
    ${dec('unblended_rate')} AS contractedunitprice,
    ${dec('net_amortized')} AS effectivecost,
    'Amazon Web Services, Inc.' AS invoiceissuername,
    ${dec('od_cost')} AS listcost,
    ${dec('od_rate')} AS listunitprice,
    CASE WHEN type IN ('DiscountedUsage', 'SavingsPlanCoveredUsage') THEN 'Committed'
      WHEN type = 'Usage' THEN 'Standard' END AS pricingcategory,
    ${dec('usage')} AS pricingquantity,
    ${nul('unit')} AS pricingunit,
    'AWS' AS providername,
    'AWS' AS publishername,
    ${nul('region')} AS regionid,
    ${nul('location')} AS regionname,
    ${nul('resource_id')} AS resourceid,
    ${nul('resource_id')} AS resourcename,
    ${nul('family')} AS resourcetype,
    category AS servicecategory,
    product_name AS servicename,
    md5(usage_type || operation) AS skuid,
    md5(usage_type || operation || pricing_term) AS skupriceid,
    account_id AS subaccountid,
    account_name AS subaccountname,
    ${tagMap('user:')} AS tags,
    MAP {}::MAP(VARCHAR, VARCHAR) AS x_costcategories,
    CASE WHEN edp <> 0 THEN MAP {'edp_discount': CAST(edp AS VARCHAR)} ELSE MAP {}::MAP(VARCHAR, VARCHAR) END AS x_discounts,
    type AS x_lineitemtype,
    ${nul('operation')} AS x_operation,
    product_code AS x_servicecode,
    usage_type AS x_usagetype,
    strftime(ts, '%Y-%m') AS billing_period
  FROM x`;
}

export function formatSelect(format: CurFormat, seed: number): string {
  switch (format) {
    case 'legacy':
      return legacy(seed);
    case 'cur2':
      return cur2(seed);
    case 'focus':
      return focus(seed);
  }
}
