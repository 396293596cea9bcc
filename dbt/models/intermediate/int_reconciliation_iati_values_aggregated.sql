-- One row per ADB project number that IATI activities name: the values reconciliation_pds_iati
-- compares with the data sheets, aggregated over the project's activities (one per loan or
-- grant, latest version of each); null where no activity states one.
with

activities as (

    select * from {{ ref('stg_adb_iati__activities') }}

),

activity_dates as (

    select * from {{ ref('stg_adb_iati__activity_dates') }}

),

transactions as (

    select * from {{ ref('stg_adb_iati__transactions') }}

),

recipient_countries as (

    select * from {{ ref('stg_adb_iati__recipient_countries') }}

),

country_codelist as (

    select * from {{ ref('iati_codelist_country') }}

),

project_activities as (

    select
        activities.sheet_id,
        activities.sheet_version,
        activities.fetched_at,
        activities.iati_identifier,
        activities.project_number,
        activities.activity_status_code,
        nullif(trim(activities.title), '') as title,
        row_number() over (
            partition by activities.project_number
            order by activities.iati_identifier
        ) as identifier_rank

    from activities

    -- an identifier that names no ADB project number matches no data sheet
    where activities.project_number is not null

),

dates_by_project as (

    select
        project_activities.project_number,
        min(case when activity_dates.date_type_code = 1 then activity_dates.activity_date end)
            as earliest_planned_start_date,
        min(case when activity_dates.date_type_code = 2 then activity_dates.activity_date end)
            as earliest_actual_start_date,
        max(case when activity_dates.date_type_code = 3 then activity_dates.activity_date end)
            as latest_planned_end_date,
        max(case when activity_dates.date_type_code = 4 then activity_dates.activity_date end)
            as latest_actual_end_date

    from activity_dates

    inner join project_activities
        on activity_dates.sheet_id = project_activities.sheet_id

    group by project_activities.project_number

),

usd_sums_by_project as (

    -- no FX conversion: a transaction in another currency does not count, and a type with no
    -- transaction in US dollars sums to null, not zero
    select
        project_activities.project_number,
        cast(sum(case when transactions.transaction_type_code = 2 then transactions.amount end)
            as numeric(18, 2)) as committed_usd,
        cast(sum(case when transactions.transaction_type_code = 3 then transactions.amount end)
            as numeric(18, 2)) as disbursed_usd,
        cast(sum(case when transactions.transaction_type_code = 11 then transactions.amount end)
            as numeric(18, 2)) as incoming_commitment_usd

    from transactions

    inner join project_activities
        on transactions.sheet_id = project_activities.sheet_id

    where upper(transactions.currency) = 'USD'

    group by project_activities.project_number

),

main_countries as (

    -- an activity's main recipient country: its largest share, the first listed on a tie
    select
        recipient_countries.sheet_id,
        recipient_countries.country_code,
        row_number() over (
            partition by recipient_countries.sheet_id
            order by recipient_countries.percentage desc nulls last, recipient_countries.position
        ) as share_rank

    from recipient_countries

    where recipient_countries.country_code is not null

),

projects as (

    select
        project_activities.project_number,
        count(*) as activity_count,
        string_agg(project_activities.iati_identifier, ', ' order by project_activities.iati_identifier)
            as iati_identifiers,
        string_agg(project_activities.sheet_version, ', ' order by project_activities.iati_identifier)
            as iati_sheet_versions,
        max(project_activities.fetched_at) as iati_fetched_at,
        -- the least advanced of the project's loans and grants
        min(project_activities.activity_status_code) as lowest_activity_status_code

    from project_activities

    group by project_activities.project_number

),

first_activities as (

    select * from project_activities
    where identifier_rank = 1

),

final as (

    select
        projects.project_number,
        coalesce(country_codelist.name, main_countries.country_code) as country,
        main_countries.country_code,
        projects.activity_count,
        projects.iati_identifiers,
        projects.iati_sheet_versions,
        projects.iati_fetched_at,
        usd_sums_by_project.committed_usd as adb_amount,
        usd_sums_by_project.incoming_commitment_usd as cofinancing,
        usd_sums_by_project.disbursed_usd as disbursed_to_date,
        dates_by_project.earliest_planned_start_date as approval_date,
        dates_by_project.earliest_actual_start_date as signing_date,
        -- an actual end, where any activity has one, else the planned end
        coalesce(
            dates_by_project.latest_actual_end_date,
            dates_by_project.latest_planned_end_date
        ) as closing_date,
        projects.lowest_activity_status_code as status_code,
        first_activities.title

    from projects

    inner join first_activities
        on projects.project_number = first_activities.project_number

    left join main_countries
        on first_activities.sheet_id = main_countries.sheet_id
        and main_countries.share_rank = 1

    left join country_codelist
        on main_countries.country_code = country_codelist.code

    left join usd_sums_by_project
        on projects.project_number = usd_sums_by_project.project_number

    left join dates_by_project
        on projects.project_number = dates_by_project.project_number

)

select * from final
