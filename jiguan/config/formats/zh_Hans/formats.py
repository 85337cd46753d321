"""Numbers in the Chinese interface: grouped in threes with commas, as finance and statistics reports
print amounts and areas (Django's zh_Hans formats leave the separator empty, so ``intcomma`` grouped a
decimal — 24,246.28 — but not a whole number — 2023978). Dates and the rest come from Django's formats."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
