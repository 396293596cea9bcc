-- The sheet versions each run held back: one row per quarantine entry, with the stage, the
-- reason and whether an auditor released it since (the data-quality dashboard's list and counts).
-- A view, as the scorecard: every run writes audit.quarantine and a release updates it, also
-- when no mart is rebuilt; the record itself (record_json) stays in audit, for auditors.
{{ config(materialized='view') }}

with

quarantine as (

    select * from {{ ref('stg_audit__quarantine') }}

),

final as (

    select
        quarantine.quarantine_id,
        quarantine.load_id,
        quarantine.source_key,
        quarantine.sheet_id,
        quarantine.sheet_version,
        quarantine.source_url,
        quarantine.quarantine_stage,
        quarantine.reason_code,
        quarantine.message,
        quarantine.quarantined_at,
        quarantine.is_released,
        quarantine.released_at,
        quarantine.released_by,
        quarantine.release_reason

    from quarantine

)

select * from final
