-- Projects and ADB financing per operational priority (OP1 to OP7), all seven listed even when no
-- project names one.
with

priorities as (

    select * from {{ ref('lookup_operational_priorities') }}

),

bridge as (

    select * from {{ ref('project_operational_priorities') }}

),

summed as (

    select
        bridge.operational_priority_code,
        count(*) as project_count,
        count(case when bridge.project_status = 'Active' then 1 end) as active_project_count,
        sum(bridge.financing_adb_usd) as financing_adb_usd,
        sum(bridge.financing_adb_usd_allocated) as financing_adb_usd_allocated

    from bridge

    group by bridge.operational_priority_code

),

final as (

    select
        priorities.operational_priority_code,
        priorities.operational_priority_number,
        priorities.operational_priority_name,
        coalesce(summed.project_count, 0) as project_count,
        coalesce(summed.active_project_count, 0) as active_project_count,
        cast(coalesce(summed.financing_adb_usd, 0) as numeric(18, 2)) as financing_adb_usd,
        cast(coalesce(summed.financing_adb_usd_allocated, 0) as numeric(18, 2))
            as financing_adb_usd_allocated

    from priorities

    left join summed
        on priorities.operational_priority_code = summed.operational_priority_code

)

select * from final
