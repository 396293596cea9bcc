-- Every spelling of a member's name the sheets may use, with the member's ISO code: the names of
-- lookup_countries and the aliases of lookup_country_aliases in one list.
with

countries as (

    select * from {{ ref('lookup_countries') }}

),

aliases as (

    select * from {{ ref('lookup_country_aliases') }}

),

unioned as (

    select
        countries.country_name,
        countries.iso3_code,
        false as is_alias

    from countries

    union all

    select
        aliases.country_alias as country_name,
        aliases.iso3_code,
        true as is_alias

    from aliases

),

final as (

    select * from unioned

)

select * from final
