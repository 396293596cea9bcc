-- A new version of a sheet that no longer states a field its previous version stated: the page
-- may have been cut short or its template changed (a warning: a field can also rightly go).
{{ config(severity='warn') }}

with

field_changes as (

    select * from {{ ref('project_field_changes') }}

),

final as (

    select
        field_changes.sheet_id,
        field_changes.sheet_version,
        field_changes.previous_sheet_version,
        field_changes.field_name,
        field_changes.previous_value

    from field_changes

    where field_changes.change_type = 'removed'

)

select * from final
