{#- A title reduced for matching across sources: lower case, "&" read as "and", the words
    "project" and "program" dropped, punctuation and spaces removed. "Chongqing Innovation &
    Human Capital Development Project" and "Chongqing Innovation and Human Capital Development"
    both give "chongqinginnovationandhumancapitaldevelopment". Plain replace() only, so the same
    on DuckDB and PostgreSQL. -#}
{% macro normalized_title(column) -%}
    {%- set replacements = [
        ("&", " and "), (" project", ""), (" program", ""), ("-", ""), (",", ""), (".", ""),
        (":", ""), (";", ""), ("'", ""), ("(", ""), (")", ""), ("/", ""), (" ", ""),
    ] -%}
    {%- set ns = namespace(sql="lower(" ~ column ~ ")") -%}
    {%- for old, new in replacements -%}
        {%- set ns.sql = dbt.replace(ns.sql, "'" ~ old | replace("'", "''") ~ "'", "'" ~ new ~ "'") -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
