-- One row per ADB project number that IATI activities name: the values reconciliation_pds_iati
-- compares with the data sheets, renamed from int_iati_activities_aggregated_to_projects (which
-- aggregates the activities, one per loan or grant, latest version of each); null where no
-- activity states one.
with

projects as (

    select * from {{ ref('int_iati_activities_aggregated_to_projects') }}

),

country_codelist as (

    select * from {{ ref('iati_codelist_country') }}

),

final as (

    select
        projects.project_number,
        coalesce(country_codelist.name, projects.recipient_country_code) as country,
        projects.recipient_country_code as country_code,
        projects.activity_count,
        projects.iati_identifiers,
        projects.sheet_versions as iati_sheet_versions,
        projects.fetched_at as iati_fetched_at,
        projects.committed_usd as adb_amount,
        projects.incoming_commitment_usd as cofinancing,
        projects.disbursed_usd as disbursed_to_date,
        projects.planned_start_date as approval_date,
        projects.actual_start_date as signing_date,
        -- an actual end, where any activity has one, else the planned end
        coalesce(projects.actual_end_date, projects.planned_end_date) as closing_date,
        projects.activity_status_code as status_code,
        -- a blank title states nothing to compare
        nullif(trim(projects.title), '') as title

    from projects

    left join country_codelist
        on projects.recipient_country_code = country_codelist.code

)

select * from final
