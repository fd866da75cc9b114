"""No formula from a client's text (SPEC AC-3): every CSV and XLSX cell the product writes
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``,
as does such a start after a ``;`` or ``,`` inside it, so a spreadsheet shows it as the text
it is instead of evaluating it.

One rule, two forms: ``cell_text`` for cells written from Python (the XLSX report), and
``NeutralisedText`` for cells that PostgreSQL writes itself (the CSV export's COPY).
"""

import re

from django.db.models import CharField, Func

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A formula start at the beginning of the cell, or after a ";" or "," (a spreadsheet that
# splits on either makes a new cell there: "Bob;=1+2;"), spaces and an opening quote
# allowed between. The same pattern serves Python's re and PostgreSQL's regexp_replace.
FORMULA_AT = r'(^|[;,] *"?)(?=[-=+@\t\r])'
_FORMULA_AT = re.compile(FORMULA_AT)


def cell_text(value: str) -> str:
    """``value`` as a cell that no spreadsheet reads as a formula, however it splits it: a
    ``'`` before each formula start."""
    return _FORMULA_AT.sub(r"\1'", value)


class NeutralisedText(Func):
    """``cell_text`` inside the query, so COPY streams with no Python in the loop; the
    regular expression runs only on a cell that starts like a formula or holds a
    separator."""

    output_field = CharField()
    arity = 1

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        starts = ", ".join("%s" for _ in FORMULA_STARTS)
        case = (
            f"(CASE WHEN left({sql}, 1) IN ({starts}) OR strpos({sql}, ';') > 0 "
            f"OR strpos({sql}, ',') > 0 THEN regexp_replace({sql}, %s, %s, 'g') ELSE {sql} END)"
        )
        return case, (
            *params, *FORMULA_STARTS, *params, *params, *params, FORMULA_AT, "\\1'", *params
        )
