-- The latest version of every IATI activity of ADB: one row per sheet_id (iati-identifier).
with

activity_versions as (

    select * from {{ ref('base_adb_iati__activity_versions') }}

),

final as (

    select
        sheet_id,
        sheet_version,
        source_url,
        fetched_at,
        load_id,
        parser_version,
        layout,
        provenance,
        missing_labels,
        repairs,
        unparsed,
        version_number,
        iati_identifier,
        project_number,
        loan_or_grant_number,
        hierarchy,
        default_language,
        default_currency,
        last_updated_at,
        reporting_org_ref,
        reporting_org_type,
        reporting_org_name,
        activity_status_code,
        title,
        description

    from activity_versions

    where is_latest_version

)

select * from final
