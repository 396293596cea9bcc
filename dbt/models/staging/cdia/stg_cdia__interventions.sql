-- The latest version of every CDIA city-intervention page: the row with the greatest fetched_at per sheet_id.
with

source as (

    select * from {{ source('cdia', 'cdia_interventions') }}

),

ranked as (

    select
        source.*,
        row_number() over (
            partition by source.sheet_id
            -- sheet_version breaks a tie in fetched_at so the choice is deterministic
            order by source.fetched_at desc, source.sheet_version desc
        ) as version_rank

    from source

),

latest as (

    select * from ranked
    where version_rank = 1

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
        provenance,

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
        cast(cdia_support_usd as numeric(18, 2)) as cdia_support_usd,
        cast(expected_downstream_financing_usd as numeric(18, 2)) as expected_downstream_financing_usd,
        cast(land_area_sq_km as numeric(18, 2)) as land_area_sq_km,
        cast(population as bigint) as population,
        cast(population_year as bigint) as population_year

    from latest

)

select * from final
