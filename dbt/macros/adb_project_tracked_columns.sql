{#- The business columns of an ADB project data sheet, in sheet order: what a version of a sheet
    says about its project. The SCD2 history carries them and the change log compares them;
    lineage columns (sheet_version, source_url, fetched_at, load_id, parser_version, provenance)
    differ between any two versions and are left out. -#}
{% macro adb_project_tracked_columns() -%}
    {{ return([
        "project_number", "project_name", "title", "summary", "country", "project_status",
        "project_type", "operation_type", "borrower", "source_of_funding", "sector", "subsector", "gender",
        "description", "rationale", "impact", "outcome", "progress_toward_outcome", "outputs",
        "implementation_progress", "geographical_location", "environmental_aspects",
        "involuntary_resettlement", "indigenous_peoples", "stakeholder_participation_design",
        "stakeholder_participation_implementation", "consulting_services", "procurement",
        "project_officer", "responsible_department", "responsible_division", "ta_or_loan_numbers",
        "concept_clearance_date", "fact_finding_start_date", "fact_finding_end_date", "mrm_date",
        "approval_date", "last_review_mission_date", "last_pds_update_date", "signing_date",
        "effectivity_date", "closing_date_original", "closing_date_revised", "closing_date_actual",
        "financing_adb", "financing_cofinancing", "financing_counterpart_government",
        "financing_counterpart_beneficiaries", "financing_counterpart_project_sponsor",
        "financing_counterpart_others", "financing_total", "currency_code",
    ]) }}
{%- endmacro %}
