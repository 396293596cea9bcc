-- One row per ADB project number in the IATI files: its activities (one per loan or grant,
-- latest versions) aggregated, codes named from the IATI codelists.
with

projects as (

    select * from {{ ref('int_iati_activities_aggregated_to_projects') }}

),

activity_statuses as (

    select
        cast(code as integer) as activity_status_code,
        name as activity_status_name

    from {{ ref('iati_codelist_activity_status') }}

),

countries as (

    select
        code as country_code,
        name as country_name

    from {{ ref('iati_codelist_country') }}

),

final as (

    select
        projects.project_number,
        projects.activity_count,
        projects.iati_identifiers,
        projects.title,
        projects.activity_status_code,
        activity_statuses.activity_status_name,
        projects.recipient_country_code,
        countries.country_name as recipient_country_name,
        projects.planned_start_date,
        projects.actual_start_date,
        projects.planned_end_date,
        projects.actual_end_date,
        projects.committed_usd,
        projects.disbursed_usd,
        projects.expenditure_usd,
        projects.incoming_commitment_usd,
        projects.transaction_count,
        projects.non_usd_transaction_count,
        projects.sheet_versions,
        projects.fetched_at

    from projects

    left join activity_statuses
        on projects.activity_status_code = activity_statuses.activity_status_code

    left join countries
        on projects.recipient_country_code = countries.country_code

)

select * from final
