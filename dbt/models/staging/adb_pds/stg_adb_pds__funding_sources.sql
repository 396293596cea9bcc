-- The rows of the "Source of Funding / Amount" table of the latest version of every sheet.
with

source as (

    select * from {{ source('adb_pds', 'adb_funding_sources') }}

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
        source.fund_name,
        cast(source.amount as numeric(18, 2)) as amount,
        source.currency_code,
        source.assistance_type,
        source.approval_number,
        source.approval_title

    from source

    -- the rows of older versions stay in staging, for the history; here only the latest counts
    inner join latest_versions
        on source.sheet_id = latest_versions.sheet_id
        and source.sheet_version = latest_versions.sheet_version

)

select * from final
