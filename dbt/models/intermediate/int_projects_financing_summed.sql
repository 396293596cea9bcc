-- One row per ADB project (latest sheet version) with its financing plan reduced to four components:
-- ADB, cofinancing, counterpart (the four counterpart columns summed) and the sheet's stated total.
with

projects as (

    select * from {{ ref('stg_adb_pds__projects') }}

),

final as (

    select
        projects.sheet_id,
        projects.sheet_version,
        projects.project_number,
        projects.project_name,
        projects.country,
        projects.sector,
        projects.project_status,
        projects.currency_code,
        -- the architecture's rule: amounts are US dollars unless a currency column says otherwise
        coalesce(upper(projects.currency_code), 'USD') = 'USD' as is_usd,
        projects.financing_adb,
        projects.financing_cofinancing,
        -- null only when the sheet states none of the four parts; a missing part counts as zero
        cast(
            case
                when projects.financing_counterpart_government is null
                    and projects.financing_counterpart_beneficiaries is null
                    and projects.financing_counterpart_project_sponsor is null
                    and projects.financing_counterpart_others is null
                    then null
                else coalesce(projects.financing_counterpart_government, 0)
                    + coalesce(projects.financing_counterpart_beneficiaries, 0)
                    + coalesce(projects.financing_counterpart_project_sponsor, 0)
                    + coalesce(projects.financing_counterpart_others, 0)
            end
            as numeric(18, 2)
        ) as financing_counterpart,
        projects.financing_total

    from projects

)

select * from final
