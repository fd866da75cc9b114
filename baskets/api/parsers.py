"""The API's JSON parser (section 7): DRF's, refusing with 400 a body nested deeper than any
request of the API needs (before the decoder or a serializer runs out of stack) and text
holding the NUL character, which no PostgreSQL text or JSON column can store."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# The deepest request body of the API nests a few levels (a basket, its lines, their
# values); Python's decoder fails near 1,000.
MAX_DEPTH = 32


def _depth_and_nul(value) -> tuple[int, bool]:
    """How deep ``value`` nests, and whether any key or string in it holds a NUL."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return deepest, True
        elif isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if isinstance(item, dict):
                if any("\x00" in key for key in item):
                    return deepest, True
                children = item.values()
            else:
                children = item
            stack.extend((child, depth + 1) for child in children)
    return deepest, False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        refusal = f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(refusal) from error
        depth, nul = _depth_and_nul(data)
        if depth > MAX_DEPTH:
            raise ParseError(refusal)
        if nul:
            raise ParseError("JSON parse error - text may not hold the NUL character (\\u0000).")
        return data
