-- Reconciliation: every project in staging (latest version) is counted exactly once in each of the
-- portfolio marts.
with

projects as (

    select count(*) as project_count
    from {{ ref('stg_adb_pds__projects') }}

),

by_status as (

    select coalesce(sum(project_count), 0) as project_count
    from {{ ref('portfolio_by_country_sector_status') }}

),

summary as (

    select coalesce(sum(project_count), 0) as project_count
    from {{ ref('portfolio_summary') }}

),

final as (

    select
        projects.project_count as projects_in_staging,
        by_status.project_count as projects_in_portfolio_by_country_sector_status,
        summary.project_count as projects_in_portfolio_summary

    from projects
    cross join by_status
    cross join summary

    where projects.project_count <> by_status.project_count
        or projects.project_count <> summary.project_count

)

select * from final
