-- The title narratives (one per language) of the latest version of every IATI activity.
with

source as (

    select * from {{ source('adb_iati', 'iati_titles') }}

),

latest_versions as (

    select
        sheet_id,
        sheet_version

    from {{ ref('base_adb_iati__activity_versions') }}

    where is_latest_version

),

final as (

    select
        source.sheet_id,
        source.sheet_version,
        source.position,
        source.source_url,
        source.fetched_at,
        source.load_id,
        source.language,
        source.text

    from source

    -- the rows of older versions stay in staging, for the history; here only the latest counts
    inner join latest_versions
        on source.sheet_id = latest_versions.sheet_id
        and source.sheet_version = latest_versions.sheet_version

)

select * from final
