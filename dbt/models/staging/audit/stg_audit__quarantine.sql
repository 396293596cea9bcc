-- The sheet versions held back by the runs, one row per quarantine entry, renamed and cast.
with

source as (

    select * from {{ source('audit', 'quarantine') }}

),

final as (

    select
        quarantine_id,
        load_id,
        source as source_key,
        sheet_id,
        sheet_version,
        source_url,
        stage as quarantine_stage,
        reason_code,
        message,
        record_json,
        quarantined_at,
        released_at,
        released_by,
        release_reason,
        released_at is not null as is_released

    from source

)

select * from final
