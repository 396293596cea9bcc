-- Every version of every ADB project data sheet as a type 2 slowly changing dimension: one row per
-- project per version, valid from when that version was fetched until the next one was.
with

project_versions as (

    select * from {{ ref('base_adb_pds__project_versions') }}

),

windowed as (

    select
        project_versions.*,
        lead(project_versions.fetched_at) over (
            partition by project_versions.sheet_id
            order by project_versions.version_number
        ) as next_fetched_at

    from project_versions

),

final as (

    select
        {{ dbt.concat(["sheet_id", "'@'", "sheet_version"]) }} as project_version_id,
        sheet_id,
        sheet_version,
        version_number,
        fetched_at as valid_from,
        next_fetched_at as valid_to,
        is_latest_version as is_current,
        {% for column in adb_project_tracked_columns() -%}
        {{ column }},
        {% endfor -%}
        source_url,
        load_id,
        parser_version

    from windowed

)

select * from final
