"""Guarding user predicate strings before they go into a ``WHERE`` clause.

A read filter such as ``"amount > 10 AND region = 'EU'"`` is placed in
``SELECT ... FROM t WHERE (<predicate>)``. It must stay one boolean expression: no statement
separators, comments, set operations, sub-selects or clauses that change the result's shape.
"""

from __future__ import annotations

import re

from brickyard.domain.errors import InvalidInputError

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_FORBIDDEN_WORDS = {
    "select",
    "union",
    "intersect",
    "except",
    "from",
    "limit",
    "offset",
    "order",
    "group",
    "having",
    "join",
    "with",
    "into",
    "window",
    "values",
    "fetch",
}
_FORBIDDEN_TEXT = (";", "--", "/*", "*/")


def check_predicate(predicate: str) -> str:
    """Return ``predicate`` unchanged if it is a plain boolean expression, else raise."""
    if not predicate.strip():
        raise InvalidInputError('the filter is empty; pass a SQL predicate such as "id > 3"')
    bare = _QUOTED.sub("''", predicate)
    if bare.count("'") % 2 or bare.count('"') % 2:
        raise InvalidInputError(f"the filter '{predicate}' has an unclosed quote")
    problems = [text for text in _FORBIDDEN_TEXT if text in bare]
    words = {w.lower() for w in re.findall(r"[A-Za-z_]+", bare)}
    problems += sorted(words & _FORBIDDEN_WORDS)
    depth = 0
    for char in bare:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        problems.append("unbalanced parentheses")
    if problems:
        raise InvalidInputError(
            f"the filter '{predicate}' is not a plain condition ({', '.join(problems)}); "
            "write one boolean expression such as \"amount > 10 AND region = 'EU'\" "
            "(quote column names that are SQL words with double quotes)"
        )
    return predicate
