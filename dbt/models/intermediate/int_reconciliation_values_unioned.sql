-- One row per project (in either source or both) and compared field: the data sheet's value and
-- IATI's side by side, in the column of the field's kind (amount, date, status code or title);
-- null where a source states none. Rows where neither states the field are kept here; the mart
-- drops them.
{%- set fields = [
    ('adb_amount', 'amount'),
    ('cofinancing', 'amount'),
    ('approval_date', 'date'),
    ('signing_date', 'date'),
    ('closing_date', 'date'),
    ('status', 'status'),
    ('title', 'title'),
    ('disbursed_to_date', 'amount'),
] %}
{%- set kind_columns = {
    'amount': ('amount', 'numeric(18, 2)'),
    'date': ('date', 'date'),
    'status': ('code', 'integer'),
    'title': ('title', dbt.type_string()),
} %}
{%- set value_columns = {'status': 'status_code'} %}
with

pds_values as (

    select * from {{ ref('int_reconciliation_pds_values_selected') }}

),

iati_values as (

    select * from {{ ref('int_reconciliation_iati_values_aggregated') }}

),

projects as (

    select
        coalesce(pds_values.project_number, iati_values.project_number) as project_number,
        -- as the sheet names it; for a project IATI alone reports, IATI's name of its country
        coalesce(pds_values.country, iati_values.country) as country,
        pds_values.sheet_id as pds_sheet_id,
        pds_values.sheet_version as pds_sheet_version,
        pds_values.fetched_at as pds_fetched_at,
        iati_values.iati_identifiers,
        iati_values.iati_sheet_versions,
        iati_values.iati_fetched_at,
        {%- for field, kind in fields %}
        {%- set column = value_columns.get(field, field) %}
        pds_values.{{ column }} as pds_{{ field }},
        iati_values.{{ column }} as iati_{{ field }}{{ ',' if not loop.last }}
        {%- endfor %}

    from pds_values

    full outer join iati_values
        on pds_values.project_number = iati_values.project_number

),

values_unioned as (

    {%- for field, kind in fields %}

    select
        projects.project_number,
        projects.country,
        '{{ field }}' as field,
        '{{ kind }}' as field_kind,
        projects.pds_sheet_id,
        projects.pds_sheet_version,
        projects.pds_fetched_at,
        projects.iati_identifiers,
        projects.iati_sheet_versions,
        projects.iati_fetched_at,
        {%- for other_kind, (suffix, data_type) in kind_columns.items() %}
        {%- if other_kind == kind %}
        projects.pds_{{ field }} as pds_{{ suffix }},
        projects.iati_{{ field }} as iati_{{ suffix }}{{ ',' if not loop.last }}
        {%- else %}
        cast(null as {{ data_type }}) as pds_{{ suffix }},
        cast(null as {{ data_type }}) as iati_{{ suffix }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}

    from projects
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

),

final as (

    select * from values_unioned

)

select * from final
