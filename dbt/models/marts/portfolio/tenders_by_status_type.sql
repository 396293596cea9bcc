-- The tenders of the ADB portfolio by status and type: how many, on how many projects.
with

tenders as (

    select * from {{ ref('tenders') }}

),

final as (

    select
        {{ dbt.concat(["tenders.tender_status", "'|'", "tenders.tender_type"]) }} as tender_status_type_id,
        tenders.tender_status,
        tenders.tender_type,
        count(*) as tender_count,
        count(distinct tenders.sheet_id) as project_count,
        count(case when tenders.is_open then 1 end) as open_tender_count,
        count(tenders.deadline_date) as tender_with_deadline_count

    from tenders

    group by
        tenders.tender_status,
        tenders.tender_type

)

select * from final
