-- The ADB financing allocated to the operational priorities adds up to the ADB financing (US
-- dollars) of the projects that list at least one priority, give or take a cent per row of rounding.
with

bridge as (

    select * from {{ ref('project_operational_priorities') }}

),

allocated as (

    select
        coalesce(sum(bridge.financing_adb_usd_allocated), 0) as financing_adb_usd_allocated,
        count(*) as bridge_rows

    from bridge

),

distinct_projects as (

    select distinct
        bridge.sheet_id,
        bridge.financing_adb_usd

    from bridge

),

projects as (

    select coalesce(sum(distinct_projects.financing_adb_usd), 0) as financing_adb_usd
    from distinct_projects

),

final as (

    select
        allocated.financing_adb_usd_allocated,
        projects.financing_adb_usd

    from allocated
    cross join projects

    where abs(allocated.financing_adb_usd_allocated - projects.financing_adb_usd)
        > 0.01 * allocated.bridge_rows

)

select * from final
