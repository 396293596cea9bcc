-- The ADB portfolio by country, sector, status and approval year: how many projects and how much
-- ADB, cofinancing, counterpart and total financing, in US dollars.
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

keyed as (

    select
        -- an unstated key is its own group rather than a null, so the grain stays testable
        coalesce(projects.country, 'Unspecified') as country,
        coalesce(projects.sector, 'Unspecified') as sector,
        coalesce(projects.project_status, 'Unspecified') as project_status,
        projects.approval_year,
        projects.iso3_code,
        projects.adb_region,
        projects.is_usd,
        -- amounts in another currency are counted, not summed into US dollars
        case when projects.is_usd then projects.financing_adb end as financing_adb_usd,
        case when projects.is_usd then projects.financing_cofinancing end as financing_cofinancing_usd,
        case when projects.is_usd then projects.financing_counterpart end as financing_counterpart_usd,
        case when projects.is_usd then projects.financing_total end as financing_total_usd

    from projects

),

final as (

    select
        {{ dbt.concat([
            "keyed.country", "'|'", "keyed.sector", "'|'", "keyed.project_status", "'|'",
            "coalesce(cast(keyed.approval_year as " ~ dbt.type_string() ~ "), 'not approved')",
        ]) }} as portfolio_summary_id,
        keyed.country,
        keyed.sector,
        keyed.project_status,
        keyed.approval_year,
        max(keyed.iso3_code) as iso3_code,
        max(keyed.adb_region) as adb_region,
        count(*) as project_count,
        count(case when not keyed.is_usd then 1 end) as non_usd_project_count,
        cast(sum(keyed.financing_adb_usd) as numeric(18, 2)) as financing_adb_usd,
        cast(sum(keyed.financing_cofinancing_usd) as numeric(18, 2)) as financing_cofinancing_usd,
        cast(sum(keyed.financing_counterpart_usd) as numeric(18, 2)) as financing_counterpart_usd,
        cast(sum(keyed.financing_total_usd) as numeric(18, 2)) as financing_total_usd

    from keyed

    group by
        keyed.country,
        keyed.sector,
        keyed.project_status,
        keyed.approval_year

)

select * from final
