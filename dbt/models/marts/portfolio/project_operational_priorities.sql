-- The bridge between ADB projects and the operational priorities (OP1 to OP7) of Strategy 2030:
-- one row per project and priority it lists, with the project's ADB amount in full and shared
-- equally among its priorities (the shared amount adds up across priorities, the full one not).
with

operational_priorities as (

    select * from {{ ref('stg_adb_pds__operational_priorities') }}

),

priorities as (

    select * from {{ ref('lookup_operational_priorities') }}

),

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

-- a sheet listing a priority twice counts it once
distinct_priorities as (

    select
        operational_priorities.sheet_id,
        operational_priorities.operational_priority_code,
        min(operational_priorities.position) as position

    from operational_priorities

    group by
        operational_priorities.sheet_id,
        operational_priorities.operational_priority_code

),

counted as (

    select
        distinct_priorities.*,
        count(*) over (partition by distinct_priorities.sheet_id) as project_priority_count

    from distinct_priorities

),

final as (

    select
        {{ dbt.concat(["counted.sheet_id", "'|'", "counted.operational_priority_code"]) }}
            as project_operational_priority_id,
        counted.sheet_id,
        counted.operational_priority_code,
        priorities.operational_priority_name,
        counted.position,
        counted.project_priority_count,
        projects.project_name,
        projects.country,
        projects.sector,
        projects.project_status,
        projects.approval_year,
        projects.is_usd,
        cast(case when projects.is_usd then projects.financing_adb end as numeric(18, 2)) as financing_adb_usd,
        cast(
            case when projects.is_usd then projects.financing_adb / counted.project_priority_count end
            as numeric(18, 2)
        ) as financing_adb_usd_allocated

    from counted

    inner join projects
        on counted.sheet_id = projects.sheet_id

    left join priorities
        on counted.operational_priority_code = priorities.operational_priority_code

)

select * from final
