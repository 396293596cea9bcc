{#- numerator / denominator rounded to `scale` decimals as numeric(18, scale); null when either is
    null or the denominator is zero. Computed in exact numerics on every warehouse (DuckDB would
    otherwise divide decimals as doubles). -#}
{% macro ratio(numerator, denominator, scale=4) -%}
    cast(
        round(
            cast({{ numerator }} as numeric(38, 10))
            / nullif(cast({{ denominator }} as numeric(38, 10)), 0),
            {{ scale }}
        )
        as numeric(18, {{ scale }})
    )
{%- endmacro %}
