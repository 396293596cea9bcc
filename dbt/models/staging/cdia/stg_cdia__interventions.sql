-- The latest version of every CDIA city-intervention page: one row per sheet_id.
with

intervention_versions as (

    select * from {{ ref('base_cdia__intervention_versions') }}

),

final as (

    select
        -- sheet version and lineage
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

        -- the intervention
        title,
        country,
        city,
        study_period_start,
        study_period_end,
        downstream_financier,
        city_website,
        key_issues,
        cooperation_details,
        expected_outcomes,
        downloads,

        -- amounts and measures
        cdia_support_usd,
        expected_downstream_financing_usd,
        expected_downstream_financing_status,
        land_area_sq_km,
        population,
        population_year

    from intervention_versions

    where is_latest_version

)

select * from final
