-- One row per project (latest sheet version) that states a cumulative disbursement: the latest figure.
with

disbursements as (

    select * from {{ ref('stg_adb_pds__disbursements') }}

),

ranked as (

    select
        disbursements.sheet_id,
        disbursements.as_of_date,
        disbursements.cumulative_amount,
        -- the figures are cumulative: the latest date holds the amount disbursed so far
        row_number() over (
            partition by disbursements.sheet_id
            order by disbursements.as_of_date desc, disbursements.position desc
        ) as recency_rank,
        count(*) over (partition by disbursements.sheet_id) as disbursement_record_count

    from disbursements

    where disbursements.cumulative_amount is not null

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
