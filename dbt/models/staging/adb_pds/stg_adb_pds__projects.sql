-- The latest version of every ADB project data sheet: one row per sheet_id.
with

project_versions as (

    select * from {{ ref('base_adb_pds__project_versions') }}

),

final as (

    select
        sheet_id,
        sheet_version,
        source_url,
        fetched_at,
        load_id,
        parser_version,
        layout,
        cut_short_reason,
        unparsed,
        provenance,
        version_number,
        {% for column in adb_project_tracked_columns() -%}
        {{ column }}{{ "," if not loop.last }}
        {% endfor %}

    from project_versions

    where is_latest_version

)

select * from final
