-- Operational priorities of every version of every sheet; join to stg_adb_pds__projects on
-- (sheet_id, sheet_version) to keep those of the latest version.
with

source as (

    select * from {{ source('adb_pds', 'adb_operational_priorities') }}

),

final as (

    select
        sheet_id,
        sheet_version,
        position,
        source_url,
        fetched_at,
        load_id,
        code as operational_priority_code,
        name as operational_priority_name

    from source

)

select * from final
