-- The "Loan Utilization" rows (cumulative contract awards and disbursements) of the latest version of every sheet.
with

source as (

    select * from {{ source('adb_pds', 'adb_loan_utilization') }}

),

latest_versions as (

    select
        sheet_id,
        sheet_version

    from {{ ref('base_adb_pds__project_versions') }}

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
        source.measure as utilization_measure,
        cast(source.as_of_date as date) as as_of_date,
        cast(source.adb_amount as numeric(18, 2)) as cumulative_adb_amount,
        cast(source.others_amount as numeric(18, 2)) as cumulative_others_amount,
        cast(source.net_percentage as numeric(18, 2)) as net_percentage

    from source

    -- the rows of older versions stay in staging, for the history; here only the latest counts
    inner join latest_versions
        on source.sheet_id = latest_versions.sheet_id
        and source.sheet_version = latest_versions.sheet_version

)

select * from final
