-- One row per IATI activity (its latest version): its dates pivoted by type, its transactions
-- summed by type in US dollars, and its main recipient country.
with

activities as (

    select * from {{ ref('stg_adb_iati__activities') }}

),

activity_dates as (

    select * from {{ ref('stg_adb_iati__activity_dates') }}

),

transactions as (

    select * from {{ ref('stg_adb_iati__transactions') }}

),

recipient_countries as (

    select * from {{ ref('stg_adb_iati__recipient_countries') }}

),

-- IATI expects one date of each type; should an activity state two, a start is the earliest
-- and an end the latest
dates_pivoted as (

    select
        activity_dates.sheet_id,
        min(
            case when activity_dates.date_type_code = 1 then activity_dates.activity_date end
        ) as planned_start_date,
        min(
            case when activity_dates.date_type_code = 2 then activity_dates.activity_date end
        ) as actual_start_date,
        max(
            case when activity_dates.date_type_code = 3 then activity_dates.activity_date end
        ) as planned_end_date,
        max(
            case when activity_dates.date_type_code = 4 then activity_dates.activity_date end
        ) as actual_end_date

    from activity_dates

    group by activity_dates.sheet_id

),

-- no currency is converted: a sum counts the transactions stated in US dollars only, and is
-- null when the activity states none of its type in US dollars
transactions_in_usd as (

    select
        transactions.sheet_id,
        transactions.transaction_type_code,
        -- ISO 4217 writes codes in capitals; a file writing "usd" still means US dollars
        coalesce(upper(transactions.currency) = 'USD', false) as is_usd,
        case when upper(transactions.currency) = 'USD' then transactions.amount end as amount_usd

    from transactions

),

transactions_summed as (

    select
        transactions_in_usd.sheet_id,
        count(*) as transaction_count,
        count(case when not transactions_in_usd.is_usd then 1 end) as non_usd_transaction_count,
        cast(
            sum(case when transactions_in_usd.transaction_type_code = 2 then transactions_in_usd.amount_usd end)
            as numeric(18, 2)
        ) as committed_usd,
        cast(
            sum(case when transactions_in_usd.transaction_type_code = 3 then transactions_in_usd.amount_usd end)
            as numeric(18, 2)
        ) as disbursed_usd,
        cast(
            sum(case when transactions_in_usd.transaction_type_code = 4 then transactions_in_usd.amount_usd end)
            as numeric(18, 2)
        ) as expenditure_usd,
        cast(
            sum(case when transactions_in_usd.transaction_type_code = 11 then transactions_in_usd.amount_usd end)
            as numeric(18, 2)
        ) as incoming_commitment_usd

    from transactions_in_usd

    group by transactions_in_usd.sheet_id

),

-- the country with the largest share; a tie, or shares not stated, goes to the first in the file
countries_ranked as (

    select
        recipient_countries.sheet_id,
        recipient_countries.country_code,
        recipient_countries.percentage,
        row_number() over (
            partition by recipient_countries.sheet_id
            order by recipient_countries.percentage desc nulls last, recipient_countries.position
        ) as share_rank,
        count(*) over (partition by recipient_countries.sheet_id) as recipient_country_count

    from recipient_countries

    where recipient_countries.country_code is not null

),

main_countries as (

    select
        countries_ranked.sheet_id,
        countries_ranked.country_code as recipient_country_code,
        countries_ranked.percentage as recipient_country_percentage,
        countries_ranked.recipient_country_count

    from countries_ranked

    where countries_ranked.share_rank = 1

),

final as (

    select
        activities.sheet_id,
        activities.iati_identifier,
        activities.project_number,
        activities.loan_or_grant_number,
        activities.title,
        activities.activity_status_code,
        activities.reporting_org_ref,
        activities.reporting_org_name,
        activities.default_currency,
        activities.last_updated_at,
        dates_pivoted.planned_start_date,
        dates_pivoted.actual_start_date,
        dates_pivoted.planned_end_date,
        dates_pivoted.actual_end_date,
        main_countries.recipient_country_code,
        main_countries.recipient_country_percentage,
        coalesce(main_countries.recipient_country_count, 0) as recipient_country_count,
        coalesce(transactions_summed.transaction_count, 0) as transaction_count,
        coalesce(transactions_summed.non_usd_transaction_count, 0) as non_usd_transaction_count,
        transactions_summed.committed_usd,
        transactions_summed.disbursed_usd,
        transactions_summed.expenditure_usd,
        transactions_summed.incoming_commitment_usd,
        activities.sheet_version,
        activities.version_number,
        activities.fetched_at

    from activities

    left join dates_pivoted
        on activities.sheet_id = dates_pivoted.sheet_id

    left join transactions_summed
        on activities.sheet_id = transactions_summed.sheet_id

    left join main_countries
        on activities.sheet_id = main_countries.sheet_id

)

select * from final
