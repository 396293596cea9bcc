-- One row per ADB project (latest version of its data sheet): the values reconciliation_pds_iati
-- compares with IATI, as the sheet states them; null where it states none.
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

disbursements as (

    select * from {{ ref('int_disbursements_aggregated_to_projects') }}

),

statuses as (

    select * from {{ ref('pds_status_to_iati_activity_status') }}

),

final as (

    select
        projects.project_number,
        projects.country,
        projects.sheet_id,
        projects.sheet_version,
        projects.fetched_at,

        -- IATI's transactions count in US dollars only, and neither side is converted: a sheet
        -- in another currency states no amount this comparison can use
        cast(case when projects.is_usd then projects.financing_adb end as numeric(18, 2))
            as adb_amount,
        cast(case when projects.is_usd then projects.financing_cofinancing end as numeric(18, 2))
            as cofinancing,
        cast(case when projects.is_usd then disbursements.disbursed_amount end as numeric(18, 2))
            as disbursed_to_date,

        projects.approval_date,
        projects.signing_date,
        coalesce(
            projects.closing_date_actual,
            projects.closing_date_revised,
            projects.closing_date_original
        ) as closing_date,

        -- a status outside the seed maps to no code: the sheet states no comparable status
        statuses.activity_status_code as status_code,
        nullif(trim(projects.project_name), '') as title

    from projects

    left join disbursements
        on projects.sheet_id = disbursements.sheet_id

    left join statuses
        on lower(trim(projects.project_status)) = lower(statuses.project_status)

)

select * from final
