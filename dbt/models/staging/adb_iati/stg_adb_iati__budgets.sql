-- The budgets (one per period) of the latest version of every IATI activity.
with

source as (

    select * from {{ source('adb_iati', 'iati_budgets') }}

),

latest_versions as (

    select
        sheet_id,
        sheet_version

    from {{ ref('base_adb_iati__activity_versions') }}

    where is_latest_version

),

final as (

    select
        source.sheet_id,
        source.sheet_version,
        source.position,
        source.source_url,
        source.fetched_at,
        source.load_id,
        cast(source.budget_type_code as integer) as budget_type_code,
        cast(source.budget_status_code as integer) as budget_status_code,
        cast(source.period_start_date as date) as period_start_date,
        cast(source.period_end_date as date) as period_end_date,
        cast(source.amount as numeric(18, 2)) as amount,
        source.currency,
        cast(source.value_date as date) as value_date

    from source

    -- the rows of older versions stay in staging, for the history; here only the latest counts
    inner join latest_versions
        on source.sheet_id = latest_versions.sheet_id
        and source.sheet_version = latest_versions.sheet_version

)

select * from final
