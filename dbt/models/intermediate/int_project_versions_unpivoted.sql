-- Every tracked field of every version of every ADB project data sheet, one row per version and
-- field, the value as text: the shape in which two versions of a sheet are compared field by field.
with

project_versions as (

    select * from {{ ref('base_adb_pds__project_versions') }}

),

unpivoted as (

    {% for column in adb_project_tracked_columns() %}
    select
        project_versions.sheet_id,
        project_versions.sheet_version,
        project_versions.version_number,
        project_versions.fetched_at,
        '{{ column }}' as field_name,
        cast(project_versions.{{ column }} as {{ dbt.type_string() }}) as field_value

    from project_versions
    {% if not loop.last %}

    union all
    {% endif %}
    {% endfor %}

),

final as (

    select * from unpivoted

)

select * from final
