-- The change log of the ADB project data sheets: one row per field that changed between a version
-- of a sheet and the version before it, with both values and both sheet versions.
with

field_values as (

    select * from {{ ref('int_project_versions_unpivoted') }}

),

compared as (

    select
        field_values.sheet_id,
        field_values.field_name,
        field_values.version_number,
        field_values.sheet_version,
        field_values.fetched_at,
        field_values.field_value,
        lag(field_values.sheet_version) over (
            partition by field_values.sheet_id, field_values.field_name
            order by field_values.version_number
        ) as previous_sheet_version,
        lag(field_values.fetched_at) over (
            partition by field_values.sheet_id, field_values.field_name
            order by field_values.version_number
        ) as previous_fetched_at,
        lag(field_values.field_value) over (
            partition by field_values.sheet_id, field_values.field_name
            order by field_values.version_number
        ) as previous_value

    from field_values

),

final as (

    select
        {{ dbt.concat(["sheet_id", "'@'", "sheet_version", "'#'", "field_name"]) }} as field_change_id,
        sheet_id,
        field_name,
        version_number,
        previous_sheet_version,
        sheet_version,
        previous_fetched_at as previous_valid_from,
        fetched_at as changed_at,
        previous_value,
        field_value as new_value,
        case
            when previous_value is null then 'added'
            when field_value is null then 'removed'
            else 'changed'
        end as change_type

    from compared

    -- the first version has nothing to compare with; null to null is no change
    where version_number > 1
        and (
            previous_value <> field_value
            or (previous_value is null and field_value is not null)
            or (previous_value is not null and field_value is null)
        )

)

select * from final
