-- Every version of every CDIA city-intervention page, renamed and cast, numbered in the order fetched.
with

source as (

    select * from {{ source('cdia', 'cdia_interventions') }}

),

renamed as (

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

        -- the intervention
        title,
        country,
        city,
        cast(study_period_start as date) as study_period_start,
        cast(study_period_end as date) as study_period_end,
        downstream_financier,
        city_website,
        key_issues,
        cooperation_details,
        expected_outcomes,
        downloads,

        -- amounts and measures
        cast(cdia_support_usd as numeric(18, 2)) as cdia_support_usd,
        cast(expected_downstream_financing_usd as numeric(18, 2)) as expected_downstream_financing_usd,
        expected_downstream_financing_status,
        cast(land_area_sq_km as numeric(18, 2)) as land_area_sq_km,
        cast(population as bigint) as population,
        cast(population_year as bigint) as population_year

    from source

),

final as (

    select
        renamed.*,
        -- sheet_version breaks a tie in fetched_at so the order is deterministic
        row_number() over (
            partition by renamed.sheet_id
            order by renamed.fetched_at, renamed.sheet_version
        ) as version_number,
        row_number() over (
            partition by renamed.sheet_id
            order by renamed.fetched_at desc, renamed.sheet_version desc
        ) = 1 as is_latest_version

    from renamed

)

select * from final
