{#- Fails for every row with a null in any of the given columns; null_columns names them. One test
    for a model's required columns rather than a not_null test per column: dbt's own cost is per
    test (about 45 ms), and a warehouse scans the model once instead of once per column. -#}
{% test not_null_columns(model, columns) %}

with

failing as (

    select * from {{ model }}
    where
        {% for column in columns -%}
        {{ column }} is null{{ " or" if not loop.last }}
        {% endfor %}

),

final as (

    select
        concat_ws(
            ', ',
            {% for column in columns -%}
            case when {{ column }} is null then '{{ column }}' end{{ "," if not loop.last }}
            {% endfor %}
        ) as null_columns,
        failing.*

    from failing

)

select * from final

{% endtest %}
