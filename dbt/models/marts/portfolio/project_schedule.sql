-- The schedule of every ADB project: the start-up delay (approval to effectivity, days) and the
-- closing extension (original to revised closing date, months).
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

final as (

    select
        projects.sheet_id,
        projects.project_name,
        projects.country,
        projects.iso3_code,
        projects.sector,
        projects.project_status,
        projects.approval_date,
        projects.signing_date,
        projects.effectivity_date,
        cast(
            {{ dbt.datediff('projects.approval_date', 'projects.effectivity_date', 'day') }} as integer
        ) as startup_delay_days,
        projects.closing_date_original,
        projects.closing_date_revised,
        projects.closing_date_actual,
        cast(
            {{ dbt.datediff('projects.closing_date_original', 'projects.closing_date_revised', 'month') }}
            as integer
        ) as closing_extension_months,
        coalesce(projects.closing_date_revised > projects.closing_date_original, false)
            as is_closing_extended

    from projects

)

select * from final
