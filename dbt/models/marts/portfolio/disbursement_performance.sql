-- Disbursement against time for every ADB project: the share of the ADB amount disbursed so far,
-- the share of the implementation period (effectivity to closing) elapsed by the same date, and a
-- flag where disbursement lags elapsed time by more than var('disbursement_lag_tolerance').
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

disbursements as (

    select * from {{ ref('int_disbursements_aggregated_to_projects') }}

),

periods as (

    select
        projects.sheet_id,
        projects.project_name,
        projects.country,
        projects.sector,
        projects.project_status,
        projects.currency_code,
        projects.financing_adb,
        disbursements.disbursed_amount,
        disbursements.disbursed_as_of_date,
        projects.effectivity_date as implementation_start_date,
        -- the period ends when the project closed, or else when it is due to close
        coalesce(
            projects.closing_date_actual,
            projects.closing_date_revised,
            projects.closing_date_original
        ) as implementation_end_date

    from projects

    left join disbursements
        on projects.sheet_id = disbursements.sheet_id

),

measured as (

    select
        periods.*,
        cast(
            {{ dbt.datediff('periods.implementation_start_date', 'periods.implementation_end_date', 'day') }}
            as integer
        ) as implementation_days,
        cast(
            {{ dbt.datediff('periods.implementation_start_date', 'periods.disbursed_as_of_date', 'day') }}
            as integer
        ) as elapsed_days_raw

    from periods

),

shares as (

    select
        measured.*,
        -- elapsed time is measured on the date of the disbursement figure, within [0, period]
        case
            when measured.elapsed_days_raw < 0 then 0
            when measured.elapsed_days_raw > measured.implementation_days then measured.implementation_days
            else measured.elapsed_days_raw
        end as elapsed_days,
        {{ ratio('measured.disbursed_amount', 'measured.financing_adb') }} as disbursement_ratio

    from measured

),

elapsed as (

    select
        shares.*,
        {{ ratio('shares.elapsed_days', 'shares.implementation_days') }} as elapsed_share

    from shares

),

final as (

    select
        elapsed.sheet_id,
        elapsed.project_name,
        elapsed.country,
        elapsed.sector,
        elapsed.project_status,
        elapsed.currency_code,
        elapsed.financing_adb,
        elapsed.disbursed_amount,
        elapsed.disbursed_as_of_date,
        elapsed.disbursement_ratio,
        elapsed.implementation_start_date,
        elapsed.implementation_end_date,
        elapsed.implementation_days,
        elapsed.elapsed_days,
        elapsed.elapsed_share,
        cast(elapsed.elapsed_share - elapsed.disbursement_ratio as numeric(18, 4)) as disbursement_lag,
        -- null when either share is unknown: no data is not the same as no lag
        elapsed.elapsed_share - elapsed.disbursement_ratio
            > {{ var('disbursement_lag_tolerance') }} as is_disbursement_lagging

    from elapsed

)

select * from final
