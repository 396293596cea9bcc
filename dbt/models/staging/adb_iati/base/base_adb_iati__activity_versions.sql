-- Every version of every IATI activity of ADB, renamed and cast, numbered in the order fetched.
with

source as (

    select * from {{ source('adb_iati', 'iati_activities') }}

),

renamed as (

    select
        -- activity version and lineage
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

        -- identity
        iati_identifier,
        project_number,
        loan_or_grant_number,
        cast(hierarchy as integer) as hierarchy,
        default_language,
        default_currency,
        last_updated_at,

        -- reporting organisation
        reporting_org_ref,
        reporting_org_type,
        reporting_org_name,

        -- status and narrative
        cast(activity_status_code as integer) as activity_status_code,
        title,
        description

    from source

),

final as (

    select
        renamed.*,
        -- sheet_version breaks a tie in fetched_at (every activity of a file shares it) so the
        -- order is deterministic
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
