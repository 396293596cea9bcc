-- Every version of every ADB project data sheet, renamed and cast, numbered in the order fetched.
with

source as (

    select * from {{ source('adb_pds', 'adb_projects') }}

),

renamed as (

    select
        -- sheet version and lineage
        sheet_id,
        sheet_version,
        source_url,
        fetched_at,
        load_id,
        parser_version,
        layout,
        cut_short_reason,
        unparsed,
        provenance,

        -- identity
        project_number,
        project_name,
        title,
        summary,
        country,
        project_status,
        project_type,
        operation_type,
        borrower,
        source_of_funding,
        sector,
        subsector,
        gender,

        -- narrative
        description,
        rationale,
        impact,
        outcome,
        progress_toward_outcome,
        outputs,
        implementation_progress,
        geographical_location,
        environmental_aspects,
        involuntary_resettlement,
        indigenous_peoples,
        stakeholder_participation_design,
        stakeholder_participation_implementation,
        consulting_services,
        procurement,

        -- responsibility
        project_officer,
        responsible_department,
        responsible_division,
        ta_or_loan_numbers,

        -- milestones
        cast(concept_clearance_date as date) as concept_clearance_date,
        cast(fact_finding_start_date as date) as fact_finding_start_date,
        cast(fact_finding_end_date as date) as fact_finding_end_date,
        cast(mrm_date as date) as mrm_date,
        cast(approval_date as date) as approval_date,
        cast(last_review_mission_date as date) as last_review_mission_date,
        cast(last_pds_update_date as date) as last_pds_update_date,
        cast(signing_date as date) as signing_date,
        cast(effectivity_date as date) as effectivity_date,
        cast(closing_date_original as date) as closing_date_original,
        cast(closing_date_revised as date) as closing_date_revised,
        cast(closing_date_actual as date) as closing_date_actual,

        -- financing plan
        cast(financing_adb as numeric(18, 2)) as financing_adb,
        cast(financing_cofinancing as numeric(18, 2)) as financing_cofinancing,
        cast(financing_counterpart_government as numeric(18, 2)) as financing_counterpart_government,
        cast(financing_counterpart_beneficiaries as numeric(18, 2)) as financing_counterpart_beneficiaries,
        cast(financing_counterpart_project_sponsor as numeric(18, 2)) as financing_counterpart_project_sponsor,
        cast(financing_counterpart_others as numeric(18, 2)) as financing_counterpart_others,
        cast(financing_total as numeric(18, 2)) as financing_total,
        currency_code

    from source

),

final as (

    select
        renamed.*,
        -- sheet_version breaks a tie in fetched_at so the order is deterministic
        row_number() over (
            partition by renamed.sheet_id
            order by renamed.fetched_at, renamed.sheet_version
        ) as version_number,
        row_number() over (
            partition by renamed.sheet_id
            order by renamed.fetched_at desc, renamed.sheet_version desc
        ) = 1 as is_latest_version

    from renamed

)

select * from final
