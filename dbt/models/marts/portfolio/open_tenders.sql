-- The tenders still open for submissions, with their deadlines: one row per open tender listing,
-- the days to the deadline counted from when the sheet was fetched.
with

tenders as (

    select * from {{ ref('tenders') }}

),

final as (

    select
        tenders.tender_id,
        tenders.sheet_id,
        tenders.position,
        tenders.project_name,
        tenders.country,
        tenders.tender_title,
        tenders.tender_type,
        tenders.tender_status,
        tenders.posting_date,
        tenders.deadline_date,
        cast(
            {{ dbt.datediff(dbt.safe_cast('tenders.fetched_at', 'date'), 'tenders.deadline_date', 'day') }}
            as integer
        ) as days_to_deadline_when_fetched,
        tenders.fetched_at

    from tenders

    where tenders.is_open

)

select * from final
