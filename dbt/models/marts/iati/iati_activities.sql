-- The current state of every IATI activity of ADB (a loan or grant): one row per activity, from
-- its latest version, with its dates by type, US-dollar totals by transaction type and main
-- recipient country, codes named from the IATI codelists.
with

activities as (

    select * from {{ ref('int_iati_activities_pivoted') }}

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
        activities.iati_identifier,
        activities.project_number,
        activities.loan_or_grant_number,
        activities.title,
        activities.activity_status_code,
        activity_statuses.activity_status_name,
        activities.reporting_org_ref,
        activities.reporting_org_name,
        activities.default_currency,
        activities.last_updated_at,
        activities.planned_start_date,
        activities.actual_start_date,
        activities.planned_end_date,
        activities.actual_end_date,
        activities.recipient_country_code,
        countries.country_name as recipient_country_name,
        activities.recipient_country_percentage,
        activities.recipient_country_count,
        activities.committed_usd,
        activities.disbursed_usd,
        activities.expenditure_usd,
        activities.incoming_commitment_usd,
        activities.transaction_count,
        activities.non_usd_transaction_count,
        activities.sheet_version,
        activities.version_number as version_count,
        activities.fetched_at

    from activities

    left join activity_statuses
        on activities.activity_status_code = activity_statuses.activity_status_code

    left join countries
        on activities.recipient_country_code = countries.country_code

)

select * from final
