-- Sector/subsector pairs of every version of every sheet; join to stg_adb_pds__projects on
-- (sheet_id, sheet_version) to keep those of the latest version.
with

source as (

    select * from {{ source('adb_pds', 'adb_project_sectors') }}

),

final as (

    select
        sheet_id,
        sheet_version,
        position,
        source_url,
        fetched_at,
        load_id,
        sector,
        subsector

    from source

)

select * from final
