-- Every tender listed on the latest version of the ADB project data sheets, one row per listing
-- (a tender listed twice on a sheet is two rows, told apart by position).
with

tenders as (

    select * from {{ ref('stg_adb_pds__tenders') }}

),

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

final as (

    select
        {{ dbt.concat(["tenders.sheet_id", "'#'", "cast(tenders.position as " ~ dbt.type_string() ~ ")"]) }}
            as tender_id,
        tenders.sheet_id,
        tenders.position,
        projects.project_name,
        projects.country,
        projects.sector,
        projects.project_status,
        tenders.tender_title,
        coalesce(tenders.tender_type, 'Unspecified') as tender_type,
        coalesce(tenders.tender_status, 'Unspecified') as tender_status,
        -- ADB lists a tender still open for submissions as Active
        coalesce(lower(tenders.tender_status) in ('active', 'open'), false) as is_open,
        tenders.posting_date,
        tenders.deadline_date,
        cast({{ dbt.datediff('tenders.posting_date', 'tenders.deadline_date', 'day') }} as integer)
            as submission_window_days,
        tenders.fetched_at

    from tenders

    inner join projects
        on tenders.sheet_id = projects.sheet_id

)

select * from final
