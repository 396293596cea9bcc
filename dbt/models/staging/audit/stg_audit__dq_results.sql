-- The data-quality checks of every run, one row per check per run, renamed and cast.
with

source as (

    select * from {{ source('audit', 'dq_results') }}

),

final as (

    select
        load_id,
        source as source_key,
        suite as suite_name,
        check_name,
        expectation_type,
        severity,
        column_name,
        success as is_success,
        cast(element_count as bigint) as element_count,
        cast(unexpected_count as bigint) as unexpected_count,
        sample_values,
        sheet_ids,
        message,
        checked_at

    from source

)

select * from final
