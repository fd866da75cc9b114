"""No formula from a client's text (SPEC AC-3): every CSV and XLSX cell the product writes
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
so a spreadsheet shows it as the text it is instead of evaluating it.

One rule, two forms: ``cell_text`` for cells written from Python (the XLSX report), and
``NeutralisedText`` for cells that PostgreSQL writes itself (the CSV export's COPY).
"""

from django.db.models import CharField, Func

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: str) -> str:
    """``value`` as a cell that no spreadsheet reads as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


# The same first characters as SQL: chr(9) is a tab, chr(13) a carriage return.
_SQL_STARTS = ", ".join(
    f"chr({ord(char)})" if char in "\t\r" else f"'{char}'" for char in FORMULA_STARTS
)


class NeutralisedText(Func):
    """``cell_text`` inside the query: a CASE on the first character, so COPY streams at
    full speed with no Python in the loop."""

    output_field = CharField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        case = f"(CASE WHEN left({sql}, 1) IN ({_SQL_STARTS}) THEN '''' || {sql} ELSE {sql} END)"
        return case, (*params, *params, *params)
