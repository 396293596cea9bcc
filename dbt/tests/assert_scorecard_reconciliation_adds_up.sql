-- The scorecard's reconciliation columns: on the latest run of adb_pds and of adb_iati only, and
-- there the counts of reconciliation_pds_iati, adding up to its rows.
with

scorecard as (

    select * from {{ ref('data_quality_scorecard') }}

),

reconciled as (

    select * from {{ ref('reconciliation_pds_iati') }}

),

expected as (

    select
        count(*) as reconciled_project_fields,
        count(case when reconciled.verdict = 'agree' then 1 end) as reconciliation_agree,
        count(case when reconciled.verdict = 'within_tolerance' then 1 end)
            as reconciliation_within_tolerance,
        count(case when reconciled.verdict = 'differ' then 1 end) as reconciliation_differ,
        count(case when reconciled.verdict in ('only_pds', 'only_iati') then 1 end)
            as reconciliation_only_one_source

    from reconciled

),

latest_starts as (

    select
        scorecard.source_key,
        max(scorecard.started_at) as latest_started_at

    from scorecard

    where scorecard.source_key in ('adb_pds', 'adb_iati')

    group by scorecard.source_key

),

-- rows that show the reconciliation but should not, or show other counts than the mart's
wrong_rows as (

    select
        scorecard.scorecard_id,
        'wrong row or counts' as problem

    from scorecard

    cross join expected

    left join latest_starts
        on scorecard.source_key = latest_starts.source_key

    where scorecard.reconciled_project_fields is not null
        and (
            latest_starts.source_key is null
            or scorecard.started_at is null
            or scorecard.started_at < latest_starts.latest_started_at
            or scorecard.reconciled_project_fields <> expected.reconciled_project_fields
            or scorecard.reconciliation_agree <> expected.reconciliation_agree
            or scorecard.reconciliation_within_tolerance <> expected.reconciliation_within_tolerance
            or scorecard.reconciliation_differ <> expected.reconciliation_differ
            or scorecard.reconciliation_only_one_source <> expected.reconciliation_only_one_source
            or scorecard.reconciliation_agree + scorecard.reconciliation_within_tolerance
            + scorecard.reconciliation_differ + scorecard.reconciliation_only_one_source
            <> scorecard.reconciled_project_fields
            or scorecard.reconciliation_agree is null
            or scorecard.reconciliation_within_tolerance is null
            or scorecard.reconciliation_differ is null
            or scorecard.reconciliation_only_one_source is null
        )

),

-- a reconciled source with runs must show the reconciliation on exactly one row
missing_rows as (

    select
        latest_starts.source_key as scorecard_id,
        'not on exactly one row' as problem

    from latest_starts

    left join scorecard
        on latest_starts.source_key = scorecard.source_key
        and scorecard.reconciled_project_fields is not null

    where latest_starts.latest_started_at is not null

    group by latest_starts.source_key

    having count(scorecard.scorecard_id) <> 1

),

final as (

    select * from wrong_rows
    union all
    select * from missing_rows

)

select * from final
