-- Reconciliation: every project in staging (latest version) is counted exactly once in the portfolio mart.
with

projects as (

    select count(*) as project_count
    from {{ ref('stg_adb_pds__projects') }}

),

portfolio as (

    select coalesce(sum(project_count), 0) as project_count
    from {{ ref('portfolio_by_country_sector_status') }}

),

final as (

    select
        projects.project_count as projects_in_staging,
        portfolio.project_count as projects_in_portfolio

    from projects
    cross join portfolio

    where projects.project_count <> portfolio.project_count

)

select * from final
