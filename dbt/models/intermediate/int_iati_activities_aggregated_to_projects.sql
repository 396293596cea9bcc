-- One row per ADB project number in the IATI files: its activities (one per loan or grant,
-- latest versions) aggregated.
with

activities as (

    select * from {{ ref('int_iati_activities_pivoted') }}

    -- an identifier that is not ADB's gives no project number (the parser says why in unparsed)
    where project_number is not null

),

-- the activities of a project in identifier order, which every "first" and every list follows
activities_ordered as (

    select
        activities.*,
        row_number() over (
            partition by activities.project_number
            order by activities.iati_identifier
        ) as activity_rank,
        row_number() over (
            partition by activities.project_number
            order by activities.recipient_country_code is null, activities.iati_identifier
        ) as country_rank

    from activities

),

aggregated as (

    select
        activities_ordered.project_number,
        count(*) as activity_count,
        {{ dbt.listagg(
            "activities_ordered.iati_identifier", "', '", "order by activities_ordered.iati_identifier"
        ) }} as iati_identifiers,
        {{ dbt.listagg(
            "activities_ordered.sheet_version", "', '", "order by activities_ordered.iati_identifier"
        ) }} as sheet_versions,
        -- the least advanced activity gives the project's status
        min(activities_ordered.activity_status_code) as activity_status_code,
        min(activities_ordered.planned_start_date) as planned_start_date,
        min(activities_ordered.actual_start_date) as actual_start_date,
        max(activities_ordered.planned_end_date) as planned_end_date,
        max(activities_ordered.actual_end_date) as actual_end_date,
        cast(sum(activities_ordered.transaction_count) as bigint) as transaction_count,
        cast(sum(activities_ordered.non_usd_transaction_count) as bigint) as non_usd_transaction_count,
        cast(sum(activities_ordered.committed_usd) as numeric(18, 2)) as committed_usd,
        cast(sum(activities_ordered.disbursed_usd) as numeric(18, 2)) as disbursed_usd,
        cast(sum(activities_ordered.expenditure_usd) as numeric(18, 2)) as expenditure_usd,
        cast(sum(activities_ordered.incoming_commitment_usd) as numeric(18, 2)) as incoming_commitment_usd,
        max(activities_ordered.fetched_at) as fetched_at

    from activities_ordered

    group by activities_ordered.project_number

),

first_activities as (

    select
        activities_ordered.project_number,
        activities_ordered.title

    from activities_ordered

    where activities_ordered.activity_rank = 1

),

-- the main recipient country of the first activity (by identifier) that names one
first_countries as (

    select
        activities_ordered.project_number,
        activities_ordered.recipient_country_code

    from activities_ordered

    where activities_ordered.country_rank = 1
        and activities_ordered.recipient_country_code is not null

),

final as (

    select
        aggregated.project_number,
        aggregated.activity_count,
        aggregated.iati_identifiers,
        first_activities.title,
        aggregated.activity_status_code,
        first_countries.recipient_country_code,
        aggregated.planned_start_date,
        aggregated.actual_start_date,
        aggregated.planned_end_date,
        aggregated.actual_end_date,
        aggregated.transaction_count,
        aggregated.non_usd_transaction_count,
        aggregated.committed_usd,
        aggregated.disbursed_usd,
        aggregated.expenditure_usd,
        aggregated.incoming_commitment_usd,
        aggregated.sheet_versions,
        aggregated.fetched_at

    from aggregated

    inner join first_activities
        on aggregated.project_number = first_activities.project_number

    left join first_countries
        on aggregated.project_number = first_countries.project_number

)

select * from final
