-- One row per ADB project (latest sheet version): its financing summed, its milestones, and its
-- country and sector resolved through the lookups (ISO code, ADB region and department, sector code).
with

projects as (

    select * from {{ ref('stg_adb_pds__projects') }}

),

financing as (

    select * from {{ ref('int_projects_financing_summed') }}

),

country_names as (

    select * from {{ ref('int_country_names_unioned') }}

),

countries as (

    select * from {{ ref('lookup_countries') }}

),

sectors as (

    select * from {{ ref('lookup_sectors') }}

),

final as (

    select
        projects.sheet_id,
        projects.sheet_version,
        projects.version_number,
        projects.fetched_at,
        projects.project_number,
        projects.project_name,
        projects.project_type,
        projects.project_status,

        -- where
        projects.country,
        countries.iso3_code,
        countries.country_name as country_name_standard,
        countries.adb_region,
        countries.adb_department_code,
        countries.adb_department_name,

        -- what
        projects.sector,
        sectors.sector_code,
        projects.subsector,

        -- when
        projects.approval_date,
        cast(extract(year from projects.approval_date) as integer) as approval_year,
        projects.signing_date,
        projects.effectivity_date,
        projects.closing_date_original,
        projects.closing_date_revised,
        projects.closing_date_actual,
        projects.last_pds_update_date,

        -- how much
        financing.currency_code,
        financing.is_usd,
        financing.financing_adb,
        financing.financing_cofinancing,
        financing.financing_counterpart,
        financing.financing_total

    from projects

    inner join financing
        on projects.sheet_id = financing.sheet_id

    left join country_names
        on projects.country = country_names.country_name

    left join countries
        on country_names.iso3_code = countries.iso3_code

    left join sectors
        on projects.sector = sectors.sector_name

)

select * from final
