-- The CDIA pipeline: every city intervention with CDIA's support, the downstream financing it is
-- expected to unlock and the leverage (downstream / support); linked, where one matches on country
-- and normalised title, to the downstream ADB project and its realised ADB financing.
with

interventions as (

    select * from {{ ref('stg_cdia__interventions') }}

),

projects as (

    select * from {{ ref('int_projects_joined_to_lookups') }}

),

country_names as (

    select * from {{ ref('int_country_names_unioned') }}

),

located as (

    select
        interventions.*,
        country_names.iso3_code,
        {{ normalized_title('interventions.title') }} as normalized_title

    from interventions

    left join country_names
        on interventions.country = country_names.country_name

),

candidate_projects as (

    select
        projects.sheet_id as project_sheet_id,
        projects.project_name,
        projects.iso3_code,
        projects.approval_date,
        projects.is_usd,
        projects.financing_adb,
        {{ normalized_title('projects.project_name') }} as normalized_title

    from projects

    where projects.iso3_code is not null

),

matches as (

    select
        located.sheet_id,
        candidate_projects.project_sheet_id,
        candidate_projects.project_name,
        candidate_projects.is_usd,
        candidate_projects.financing_adb,
        count(*) over (partition by located.sheet_id) as matching_project_count,
        -- several matches: the earliest approved project is the downstream one
        row_number() over (
            partition by located.sheet_id
            order by candidate_projects.approval_date, candidate_projects.project_sheet_id
        ) as match_rank

    from located

    inner join candidate_projects
        on located.iso3_code = candidate_projects.iso3_code
        and located.normalized_title = candidate_projects.normalized_title

),

final as (

    select
        located.sheet_id,
        located.title,
        located.country,
        located.iso3_code,
        located.city,
        located.study_period_start,
        located.study_period_end,
        located.downstream_financier,
        located.cdia_support_usd,
        located.expected_downstream_financing_usd,
        located.expected_downstream_financing_status,
        {{ ratio('located.expected_downstream_financing_usd', 'located.cdia_support_usd', 2) }}
            as expected_leverage,
        matches.project_sheet_id as downstream_project_sheet_id,
        matches.project_name as downstream_project_name,
        coalesce(matches.matching_project_count, 0) as matching_project_count,
        matches.project_sheet_id is not null as has_downstream_project,
        cast(case when matches.is_usd then matches.financing_adb end as numeric(18, 2))
            as realised_adb_financing_usd,
        {{ ratio(
            'case when matches.is_usd then matches.financing_adb end',
            'located.cdia_support_usd',
            2
        ) }} as realised_leverage

    from located

    left join matches
        on located.sheet_id = matches.sheet_id
        and matches.match_rank = 1

)

select * from final
