-- The runs of the pipeline, one row per run and source, renamed and cast.
with

source as (

    select * from {{ source('audit', 'load_runs') }}

),

final as (

    select
        load_id,
        source as source_key,
        started_at,
        finished_at,
        cast(sheets_fetched as bigint) as sheets_fetched,
        cast(sheets_failed as bigint) as sheets_failed,
        cast(sheets_gone as bigint) as sheets_gone,
        cast(sheets_parsed as bigint) as sheets_parsed,
        cast(sheets_quarantined as bigint) as sheets_quarantined,
        cast(sheets_unchanged as bigint) as sheets_unchanged,
        cast(sheets_loaded as bigint) as sheets_loaded,
        cast(rows_loaded as bigint) as rows_loaded,
        cast(checks_passed as bigint) as checks_passed,
        cast(checks_failed as bigint) as checks_failed

    from source

)

select * from final
