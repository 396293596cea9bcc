-- The financing mix of every ADB project: ADB, cofinancing and counterpart shares of its plan.
with

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

summed as (

    select
        projects.*,
        -- the parts as stated; the sheet's own total may disagree (the quality checks flag it)
        case
            when projects.financing_adb is null
                and projects.financing_cofinancing is null
                and projects.financing_counterpart is null
                then null
            else coalesce(projects.financing_adb, 0)
                + coalesce(projects.financing_cofinancing, 0)
                + coalesce(projects.financing_counterpart, 0)
        end as financing_parts_sum

    from projects

),

final as (

    select
        summed.sheet_id,
        summed.project_name,
        summed.country,
        summed.iso3_code,
        summed.sector,
        summed.project_status,
        summed.currency_code,
        summed.is_usd,
        summed.financing_adb,
        summed.financing_cofinancing,
        summed.financing_counterpart,
        cast(summed.financing_parts_sum as numeric(18, 2)) as financing_parts_sum,
        summed.financing_total,
        summed.financing_parts_sum = summed.financing_total as is_total_consistent,
        {{ ratio('summed.financing_adb', 'summed.financing_parts_sum') }} as adb_share,
        {{ ratio('summed.financing_cofinancing', 'summed.financing_parts_sum') }} as cofinancing_share,
        {{ ratio('summed.financing_counterpart', 'summed.financing_parts_sum') }} as counterpart_share

    from summed

)

select * from final
