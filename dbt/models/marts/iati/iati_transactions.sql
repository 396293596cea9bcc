-- Every transaction of the latest version of every IATI activity of ADB, with its project and
-- type name. No currency is converted: amount_usd is the amount when it is stated in US dollars.
with

transactions as (

    select * from {{ ref('stg_adb_iati__transactions') }}

),

activities as (

    select * from {{ ref('stg_adb_iati__activities') }}

),

transaction_types as (

    select
        cast(code as integer) as transaction_type_code,
        name as transaction_type_name

    from {{ ref('iati_codelist_transaction_type') }}

),

final as (

    select
        {{ dbt.concat([
            "transactions.sheet_id", "'#'", "cast(transactions.position as " ~ dbt.type_string() ~ ")"
        ]) }} as transaction_id,
        transactions.sheet_id as iati_identifier,
        transactions.position,
        activities.project_number,
        activities.loan_or_grant_number,
        transactions.transaction_ref,
        transactions.transaction_type_code,
        transaction_types.transaction_type_name,
        transactions.transaction_date,
        transactions.amount,
        transactions.currency,
        cast(
            case when upper(transactions.currency) = 'USD' then transactions.amount end as numeric(18, 2)
        ) as amount_usd,
        transactions.value_date,
        transactions.description,
        transactions.provider_org_ref,
        transactions.provider_org_name,
        transactions.receiver_org_ref,
        transactions.receiver_org_name,
        transactions.sheet_version,
        transactions.fetched_at

    from transactions

    inner join activities
        on transactions.sheet_id = activities.sheet_id

    left join transaction_types
        on transactions.transaction_type_code = transaction_types.transaction_type_code

)

select * from final
