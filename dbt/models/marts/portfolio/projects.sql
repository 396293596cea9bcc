-- The current state of every ADB project: one row per project, from the latest version of its
-- data sheet, joined to its country (ISO code, ADB region and department) and sector.
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

disbursements as (

    select * from {{ ref('int_disbursements_aggregated_to_projects') }}

),

operational_priorities as (

    select * from {{ ref('stg_adb_pds__operational_priorities') }}

),

priority_counts as (

    select
        operational_priorities.sheet_id,
        count(distinct operational_priorities.operational_priority_code) as operational_priority_count

    from operational_priorities

    group by operational_priorities.sheet_id

),

final as (

    select
        projects.sheet_id,
        projects.project_number,
        projects.project_name,
        projects.project_type,
        projects.project_status,
        projects.country,
        projects.iso3_code,
        projects.country_name_standard,
        projects.adb_region,
        projects.adb_department_code,
        projects.adb_department_name,
        projects.sector,
        projects.sector_code,
        projects.subsector,
        projects.approval_date,
        projects.approval_year,
        projects.signing_date,
        projects.effectivity_date,
        projects.closing_date_original,
        projects.closing_date_revised,
        projects.closing_date_actual,
        projects.last_pds_update_date,
        projects.currency_code,
        projects.is_usd,
        projects.financing_adb,
        projects.financing_cofinancing,
        projects.financing_counterpart,
        projects.financing_total,
        disbursements.disbursed_amount,
        disbursements.disbursed_as_of_date,
        coalesce(priority_counts.operational_priority_count, 0) as operational_priority_count,
        projects.sheet_version,
        projects.version_number as version_count,
        projects.fetched_at

    from projects

    left join disbursements
        on projects.sheet_id = disbursements.sheet_id

    left join priority_counts
        on projects.sheet_id = priority_counts.sheet_id

)

select * from final
