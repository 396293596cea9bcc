-- The financing mix of the ADB portfolio per country: ADB, cofinancing and counterpart financing
-- of its projects in US dollars, and each one's share.
with

project_mix as (

    select * from {{ ref('financing_mix_by_project') }}

),

countries as (

    select * from {{ ref('lookup_countries') }}

),

summed as (

    select
        coalesce(project_mix.country, 'Unspecified') as country,
        max(project_mix.iso3_code) as iso3_code,
        count(*) as project_count,
        count(case when not project_mix.is_usd then 1 end) as non_usd_project_count,
        sum(case when project_mix.is_usd then project_mix.financing_adb end) as financing_adb_usd,
        sum(case when project_mix.is_usd then project_mix.financing_cofinancing end) as financing_cofinancing_usd,
        sum(case when project_mix.is_usd then project_mix.financing_counterpart end) as financing_counterpart_usd,
        sum(case when project_mix.is_usd then project_mix.financing_parts_sum end) as financing_parts_sum_usd

    from project_mix

    group by coalesce(project_mix.country, 'Unspecified')

),

final as (

    select
        summed.country,
        summed.iso3_code,
        countries.adb_region,
        countries.adb_department_code,
        summed.project_count,
        summed.non_usd_project_count,
        cast(summed.financing_adb_usd as numeric(18, 2)) as financing_adb_usd,
        cast(summed.financing_cofinancing_usd as numeric(18, 2)) as financing_cofinancing_usd,
        cast(summed.financing_counterpart_usd as numeric(18, 2)) as financing_counterpart_usd,
        cast(summed.financing_parts_sum_usd as numeric(18, 2)) as financing_parts_sum_usd,
        {{ ratio('summed.financing_adb_usd', 'summed.financing_parts_sum_usd') }} as adb_share,
        {{ ratio('summed.financing_cofinancing_usd', 'summed.financing_parts_sum_usd') }} as cofinancing_share,
        {{ ratio('summed.financing_counterpart_usd', 'summed.financing_parts_sum_usd') }} as counterpart_share

    from summed

    left join countries
        on summed.iso3_code = countries.iso3_code

)

select * from final
