-- How well the data sheets and IATI agree, by country and field: the verdicts of
-- reconciliation_pds_iati counted, and the share of the projects both sources hold that agree.
with

reconciled as (

    select * from {{ ref('reconciliation_pds_iati') }}

),

counted as (

    select
        reconciled.country,
        reconciled.field,
        count(*) as projects,
        count(case when reconciled.pds_sheet_id is not null and reconciled.iati_identifiers is not null then 1 end)
            as projects_in_both_sources,
        count(case when reconciled.verdict = 'agree' then 1 end) as agree,
        count(case when reconciled.verdict = 'within_tolerance' then 1 end) as within_tolerance,
        count(case when reconciled.verdict = 'differ' then 1 end) as differ,
        count(case when reconciled.verdict = 'only_pds' then 1 end) as only_pds,
        count(case when reconciled.verdict = 'only_iati' then 1 end) as only_iati

    from reconciled

    group by
        reconciled.country,
        reconciled.field

),

final as (

    select
        {{ dbt.concat(['counted.country', "'|'", 'counted.field']) }} as reconciliation_summary_id,
        counted.country,
        counted.field,
        counted.projects,
        counted.projects_in_both_sources,
        counted.agree,
        counted.within_tolerance,
        counted.differ,
        counted.only_pds,
        counted.only_iati,
        {{ ratio('counted.agree + counted.within_tolerance', 'counted.projects_in_both_sources') }}
            as agreement_rate

    from counted

)

select * from final
