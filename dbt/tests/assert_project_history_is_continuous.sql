-- SCD2 integrity: each project has exactly one current version, the only one open-ended, and every
-- other version ends exactly when the next one starts.
with

history as (

    select * from {{ ref('project_history') }}

),

sequenced as (

    select
        history.sheet_id,
        history.sheet_version,
        history.version_number,
        history.valid_to,
        history.is_current,
        lead(history.valid_from) over (
            partition by history.sheet_id
            order by history.version_number
        ) as next_valid_from,
        count(case when history.is_current then 1 end) over (partition by history.sheet_id)
            as current_version_count

    from history

),

final as (

    select * from sequenced
    where current_version_count <> 1
        or (is_current and valid_to is not null)
        or (is_current and next_valid_from is not null)
        or (not is_current and (valid_to is null or valid_to <> next_valid_from))

)

select * from final
