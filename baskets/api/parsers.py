"""The API's JSON parser (section 7): DRF's, refusing a body nested deeper than any request
of the API needs with 400, before the decoder or a serializer runs out of stack."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest request body of the API nests a few levels (a basket, its lines, their
# values); Python's decoder fails near 1,000.
MAX_DEPTH = 32


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        refusal = f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(refusal) from error
        if _depth(data) > MAX_DEPTH:
            raise ParseError(refusal)
        return data
