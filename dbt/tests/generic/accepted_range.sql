{#- Fails for every row whose value lies outside [min_value, max_value] (either bound may be left
    out; a null passes: not_null says whether one may be). A bound is SQL: a literal such as
    100 or "date '1950-01-01'", or another column of the row. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}

with

final as (

    select * from {{ model }}
    where
        {% if min_value is not none -%}
        {{ column_name }} < {{ min_value }}
        {%- endif %}
        {%- if min_value is not none and max_value is not none %} or {% endif %}
        {%- if max_value is not none %}
        {{ column_name }} > {{ max_value }}
        {%- endif %}

)

select * from final

{% endtest %}
