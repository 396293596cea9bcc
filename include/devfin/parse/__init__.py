"""The parse stage's shared machinery: page text and numbers, HTML layout, and the parse of one
sheet (the sources' parsers are in `devfin.sources`)."""
