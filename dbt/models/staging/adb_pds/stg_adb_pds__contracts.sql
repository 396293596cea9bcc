-- The contracts awarded (the "Contracts Awarded" table) of the latest version of every sheet.
with

source as (

    select * from {{ source('adb_pds', 'adb_contracts') }}

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
        source.title as contract_title,
        cast(source.contract_date as date) as contract_date,
        source.contractor,
        source.contractor_address,
        source.executing_agency,
        cast(source.total_amount as numeric(18, 2)) as total_amount,
        cast(source.adb_amount as numeric(18, 2)) as adb_amount

    from source

    -- the rows of older versions stay in staging, for the history; here only the latest counts
    inner join latest_versions
        on source.sheet_id = latest_versions.sheet_id
        and source.sheet_version = latest_versions.sheet_version

)

select * from final
