-- The data-quality scorecard: per run and source, the sheets fetched, loaded and quarantined, the
-- checks passed and failed (GX suites and earlier dbt builds), the fill rates of the fields, and,
-- on the latest run of each of the two reconciled sources, how the reconciliation stands now.
-- A view, unlike the other marts: every run writes the audit tables, also a run that loads no new
-- sheet version and so rebuilds no mart (devfin.marts.build_marts); the scorecard shows it at once.
{{ config(materialized='view') }}

with

load_runs as (

    select * from {{ ref('stg_audit__load_runs') }}

),

dq_results as (

    select * from {{ ref('stg_audit__dq_results') }}

),

quarantine as (

    select * from {{ ref('stg_audit__quarantine') }}

),

reconciled as (

    select * from {{ ref('reconciliation_pds_iati') }}

),

-- every run and source that left a trace in any of the three ledgers
run_sources as (

    select load_id, source_key from load_runs
    union
    select load_id, source_key from dq_results
    union
    select load_id, source_key from quarantine

),

checks as (

    select
        dq_results.load_id,
        dq_results.source_key,
        count(*) as checks_run,
        count(case when dq_results.is_success then 1 end) as checks_passed,
        count(case when not dq_results.is_success then 1 end) as checks_failed,
        count(case when not dq_results.is_success and dq_results.severity = 'critical' then 1 end)
            as critical_checks_failed,
        count(case when not dq_results.is_success and dq_results.severity = 'warning' then 1 end)
            as warning_checks_failed

    from dq_results

    where dq_results.suite_name <> 'fill_rates'

    group by
        dq_results.load_id,
        dq_results.source_key

),

fill_rates as (

    select
        dq_results.load_id,
        dq_results.source_key,
        dq_results.column_name,
        {{ ratio(
            'dq_results.element_count - coalesce(dq_results.unexpected_count, 0)',
            'dq_results.element_count'
        ) }} as fill_rate

    from dq_results

    -- one rate per field over all layouts; the per-layout rates are for drift and the report
    where dq_results.suite_name = 'fill_rates'
        and dq_results.check_name like 'fill rate of % (all layouts)'

),

fill_rates_summed as (

    select
        fill_rates.load_id,
        fill_rates.source_key,
        count(*) as fields_measured,
        count(case when fill_rates.fill_rate < 1 then 1 end) as fields_not_always_filled,
        cast(round(avg(fill_rates.fill_rate), 4) as numeric(18, 4)) as average_fill_rate,
        cast(min(fill_rates.fill_rate) as numeric(18, 4)) as min_fill_rate

    from fill_rates

    group by
        fill_rates.load_id,
        fill_rates.source_key

),

quarantined as (

    select
        quarantine.load_id,
        quarantine.source_key,
        count(*) as quarantined_sheet_versions,
        count(case when quarantine.quarantine_stage = 'parse' then 1 end) as quarantined_at_parse,
        count(case when quarantine.quarantine_stage = 'validate' then 1 end) as quarantined_at_validate,
        count(case when quarantine.is_released then 1 end) as released_sheet_versions

    from quarantine

    group by
        quarantine.load_id,
        quarantine.source_key

),

-- the reconciliation is the marts' present state, not a run's: it goes on the latest run of each
-- source it compares, the run whose sheets it reflects (none later)
latest_reconciled_runs as (

    select
        load_runs.load_id,
        load_runs.source_key,
        row_number() over (
            partition by load_runs.source_key
            order by load_runs.started_at desc nulls last, load_runs.load_id desc
        ) as run_rank

    from load_runs

    where load_runs.source_key in ('adb_pds', 'adb_iati')

),

reconciliation_counted as (

    select
        count(*) as reconciled_project_fields,
        count(case when reconciled.verdict = 'agree' then 1 end) as reconciliation_agree,
        count(case when reconciled.verdict = 'within_tolerance' then 1 end)
            as reconciliation_within_tolerance,
        count(case when reconciled.verdict = 'differ' then 1 end) as reconciliation_differ,
        count(case when reconciled.verdict in ('only_pds', 'only_iati') then 1 end)
            as reconciliation_only_one_source,
        -- the denominator of reconciliation_summary's agreement_rate: rows of projects in both
        count(
            case when reconciled.pds_sheet_id is not null and reconciled.iati_identifiers is not null then 1 end
        ) as reconciled_in_both_sources

    from reconciled

),

reconciliation as (

    select
        latest_reconciled_runs.load_id,
        latest_reconciled_runs.source_key,
        reconciliation_counted.reconciled_project_fields,
        reconciliation_counted.reconciliation_agree,
        reconciliation_counted.reconciliation_within_tolerance,
        reconciliation_counted.reconciliation_differ,
        reconciliation_counted.reconciliation_only_one_source,
        {{ ratio(
            'reconciliation_counted.reconciliation_agree + reconciliation_counted.reconciliation_within_tolerance',
            'reconciliation_counted.reconciled_in_both_sources'
        ) }} as reconciliation_agreement_rate

    from latest_reconciled_runs

    cross join reconciliation_counted

    where latest_reconciled_runs.run_rank = 1

),

final as (

    select
        {{ dbt.concat(["run_sources.load_id", "'|'", "run_sources.source_key"]) }} as scorecard_id,
        run_sources.load_id,
        run_sources.source_key,
        load_runs.started_at,
        load_runs.finished_at,
        load_runs.sheets_fetched,
        load_runs.sheets_loaded,
        load_runs.sheets_unchanged,
        load_runs.sheets_failed,
        load_runs.sheets_quarantined,
        coalesce(quarantined.quarantined_sheet_versions, 0) as quarantined_sheet_versions,
        coalesce(quarantined.quarantined_at_parse, 0) as quarantined_at_parse,
        coalesce(quarantined.quarantined_at_validate, 0) as quarantined_at_validate,
        coalesce(quarantined.released_sheet_versions, 0) as released_sheet_versions,
        coalesce(checks.checks_run, 0) as checks_run,
        coalesce(checks.checks_passed, 0) as checks_passed,
        coalesce(checks.checks_failed, 0) as checks_failed,
        coalesce(checks.critical_checks_failed, 0) as critical_checks_failed,
        coalesce(checks.warning_checks_failed, 0) as warning_checks_failed,
        {{ ratio('checks.checks_passed', 'checks.checks_run') }} as check_pass_rate,
        coalesce(fill_rates_summed.fields_measured, 0) as fill_rate_fields_measured,
        coalesce(fill_rates_summed.fields_not_always_filled, 0) as fill_rate_fields_not_always_filled,
        fill_rates_summed.average_fill_rate,
        fill_rates_summed.min_fill_rate,
        reconciliation.reconciled_project_fields,
        reconciliation.reconciliation_agree,
        reconciliation.reconciliation_within_tolerance,
        reconciliation.reconciliation_differ,
        reconciliation.reconciliation_only_one_source,
        reconciliation.reconciliation_agreement_rate

    from run_sources

    left join load_runs
        on run_sources.load_id = load_runs.load_id
        and run_sources.source_key = load_runs.source_key

    left join checks
        on run_sources.load_id = checks.load_id
        and run_sources.source_key = checks.source_key

    left join fill_rates_summed
        on run_sources.load_id = fill_rates_summed.load_id
        and run_sources.source_key = fill_rates_summed.source_key

    left join quarantined
        on run_sources.load_id = quarantined.load_id
        and run_sources.source_key = quarantined.source_key

    left join reconciliation
        on run_sources.load_id = reconciliation.load_id
        and run_sources.source_key = reconciliation.source_key

)

select * from final
