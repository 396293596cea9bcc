-- The ADB data sheets against ADB's IATI activities: one row per project and field that either
-- source states, with both values, their difference and a verdict (the rules are in the YAML).
{%- set amount_tolerance_usd = var('reconciliation_amount_tolerance_usd') %}
{%- set amount_tolerance_ratio = var('reconciliation_amount_tolerance_ratio') %}
{%- set date_tolerance_days = var('reconciliation_date_tolerance_days') %}
with

compared_values as (

    select * from {{ ref('int_reconciliation_values_unioned') }}

),

stated as (

    select
        compared_values.*,
        case compared_values.field_kind
            when 'amount' then cast(compared_values.pds_amount as {{ dbt.type_string() }})
            when 'date' then cast(compared_values.pds_date as {{ dbt.type_string() }})
            when 'status' then cast(compared_values.pds_code as {{ dbt.type_string() }})
            else compared_values.pds_title
        end as pds_value,
        case compared_values.field_kind
            when 'amount' then cast(compared_values.iati_amount as {{ dbt.type_string() }})
            when 'date' then cast(compared_values.iati_date as {{ dbt.type_string() }})
            when 'status' then cast(compared_values.iati_code as {{ dbt.type_string() }})
            else compared_values.iati_title
        end as iati_value,
        -- cast as a whole: PostgreSQL gives a case of numeric(18, 2) branches a bare numeric
        cast(
            case compared_values.field_kind
                when 'amount' then compared_values.iati_amount - compared_values.pds_amount
                when 'date' then {{
                    dbt.datediff('compared_values.pds_date', 'compared_values.iati_date', 'day')
                }}
            end
            as numeric(18, 2)
        ) as difference

    from compared_values

),

judged as (

    select
        stated.*,
        case
            when stated.iati_value is null then 'only_pds'
            when stated.pds_value is null then 'only_iati'

            when stated.field_kind = 'amount' then
                case
                    when stated.pds_amount = stated.iati_amount then 'agree'
                    when abs(stated.difference) <= greatest(
                        {{ amount_tolerance_usd }},
                        {{ amount_tolerance_ratio }}
                            * greatest(abs(stated.pds_amount), abs(stated.iati_amount))
                    ) then 'within_tolerance'
                    else 'differ'
                end

            when stated.field_kind = 'date' then
                case
                    when stated.difference = 0 then 'agree'
                    when abs(stated.difference) <= {{ date_tolerance_days }} then 'within_tolerance'
                    else 'differ'
                end

            -- two status codes either are the same or are not: no tolerance
            when stated.field_kind = 'status' then
                case when stated.pds_code = stated.iati_code then 'agree' else 'differ' end

            else
                case
                    when trim(stated.pds_title) = trim(stated.iati_title) then 'agree'
                    when {{ normalized_title('trim(stated.pds_title)') }}
                        = {{ normalized_title('trim(stated.iati_title)') }} then 'within_tolerance'
                    else 'differ'
                end
        end as verdict

    from stated

    -- a field neither source states is no row
    where stated.pds_value is not null
        or stated.iati_value is not null

),

final as (

    select
        {{ dbt.concat(['judged.project_number', "'|'", 'judged.field']) }} as reconciliation_id,
        judged.project_number,
        coalesce(judged.country, 'Unspecified') as country,
        judged.field,
        judged.field_kind,
        judged.pds_value,
        judged.iati_value,
        judged.difference,
        judged.verdict,
        judged.pds_sheet_id,
        judged.pds_sheet_version,
        judged.pds_fetched_at,
        judged.iati_identifiers,
        judged.iati_sheet_versions,
        judged.iati_fetched_at

    from judged

)

select * from final
