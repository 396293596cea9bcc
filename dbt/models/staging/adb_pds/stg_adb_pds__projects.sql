-- The latest version of every ADB project data sheet: the row with the greatest fetched_at per sheet_id.
with

source as (

    select * from {{ source('adb_pds', 'adb_projects') }}

),

ranked as (

    select
        source.*,
        row_number() over (
            partition by source.sheet_id
            -- sheet_version breaks a tie in fetched_at so the choice is deterministic
            order by source.fetched_at desc, source.sheet_version desc
        ) as version_rank

    from source

),

latest as (

    select * from ranked
    where version_rank = 1

),

final as (

    select
        -- sheet version and lineage
        sheet_id,
        sheet_version,
        source_url,
        fetched_at,
        load_id,
        parser_version,
        provenance,

        -- identity
        project_number,
        project_name,
        title,
        summary,
        country,
        project_status,
        project_type,
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
        concept_clearance_date,
        fact_finding_start_date,
        fact_finding_end_date,
        mrm_date,
        approval_date,
        last_review_mission_date,
        last_pds_update_date,
        signing_date,
        effectivity_date,
        closing_date_original,
        closing_date_revised,
        closing_date_actual,

        -- financing plan
        cast(financing_adb as numeric(18, 2)) as financing_adb,
        cast(financing_cofinancing as numeric(18, 2)) as financing_cofinancing,
        cast(financing_counterpart_government as numeric(18, 2)) as financing_counterpart_government,
        cast(financing_counterpart_beneficiaries as numeric(18, 2)) as financing_counterpart_beneficiaries,
        cast(financing_counterpart_project_sponsor as numeric(18, 2)) as financing_counterpart_project_sponsor,
        cast(financing_counterpart_others as numeric(18, 2)) as financing_counterpart_others,
        cast(financing_total as numeric(18, 2)) as financing_total,
        currency_code

    from latest

)

select * from final
