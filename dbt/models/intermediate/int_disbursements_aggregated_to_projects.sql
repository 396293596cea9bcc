-- One row per project (latest sheet version) that states a cumulative disbursement: the latest figure.
with

disbursements as (

    select * from {{ ref('stg_adb_pds__disbursements') }}

),

loan_utilization as (

    select * from {{ ref('stg_adb_pds__loan_utilization') }}

),

stated_disbursements as (

    select
        disbursements.sheet_id,
        disbursements.position,
        disbursements.as_of_date,
        disbursements.cumulative_amount

    from disbursements

    where disbursements.cumulative_amount is not null

),

-- a closed loan's sheet may state its disbursements only in its "Loan Utilization" table: those
-- count where the sheet has no "Financing Plan/TA Utilization" figure, never alongside one
utilization_disbursements as (

    select
        loan_utilization.sheet_id,
        loan_utilization.position,
        loan_utilization.as_of_date,
        loan_utilization.cumulative_adb_amount as cumulative_amount

    from loan_utilization

    where loan_utilization.utilization_measure = 'disbursements'
        and loan_utilization.cumulative_adb_amount is not null
        and loan_utilization.sheet_id not in (select sheet_id from stated_disbursements)

),

figures as (

    select * from stated_disbursements

    union all

    select * from utilization_disbursements

),

ranked as (

    select
        figures.sheet_id,
        figures.as_of_date,
        figures.cumulative_amount,
        -- the figures are cumulative: the latest date holds the amount disbursed so far
        row_number() over (
            partition by figures.sheet_id
            order by figures.as_of_date desc, figures.position desc
        ) as recency_rank,
        count(*) over (partition by figures.sheet_id) as disbursement_record_count

    from figures

),

final as (

    select
        sheet_id,
        as_of_date as disbursed_as_of_date,
        cumulative_amount as disbursed_amount,
        disbursement_record_count

    from ranked

    where recency_rank = 1

)

select * from final
