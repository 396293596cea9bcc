-- Start-up delays and closing extensions of the ADB portfolio by country and sector.
with

schedules as (

    select * from {{ ref('project_schedule') }}

),

keyed as (

    select
        coalesce(schedules.country, 'Unspecified') as country,
        coalesce(schedules.sector, 'Unspecified') as sector,
        schedules.iso3_code,
        schedules.startup_delay_days,
        schedules.closing_extension_months,
        schedules.is_closing_extended,
        schedules.closing_date_original is not null as has_closing_date

    from schedules

),

final as (

    select
        {{ dbt.concat(["keyed.country", "'|'", "keyed.sector"]) }} as country_sector_id,
        keyed.country,
        keyed.sector,
        max(keyed.iso3_code) as iso3_code,
        count(*) as project_count,
        count(keyed.startup_delay_days) as effective_project_count,
        cast(round(avg(cast(keyed.startup_delay_days as numeric(18, 2))), 1) as numeric(18, 1))
            as average_startup_delay_days,
        max(keyed.startup_delay_days) as max_startup_delay_days,
        count(case when keyed.has_closing_date then 1 end) as project_with_closing_date_count,
        count(case when keyed.is_closing_extended then 1 end) as extended_project_count,
        {{ ratio(
            "count(case when keyed.is_closing_extended then 1 end)",
            "count(case when keyed.has_closing_date then 1 end)"
        ) }} as extended_project_share,
        cast(
            round(
                avg(
                    case when keyed.is_closing_extended
                        then cast(keyed.closing_extension_months as numeric(18, 2))
                    end
                ),
                1
            )
            as numeric(18, 1)
        ) as average_extension_months,
        max(keyed.closing_extension_months) as max_extension_months,
        cast(
            coalesce(sum(case when keyed.is_closing_extended then keyed.closing_extension_months end), 0)
            as integer
        ) as total_extension_months

    from keyed

    group by
        keyed.country,
        keyed.sector

)

select * from final
