"""Comparing two engines' results for one program.

The rule: same column names, same Spark types (``simpleString``), same rows. Rows compare as
a sequence when the program orders its output, else as a multiset. Doubles match when equal,
both NaN, or within a relative 1e-12 (sums and averages of doubles accumulate in a different
order on each engine); everything else (decimals with their scale, integers, strings, dates,
timestamps, nested values) must be exactly equal. Two programs that both fail match: both
engines reject the program (the error texts differ by engine).
"""

from __future__ import annotations

import json
import math
from typing import Any

RELATIVE_TOLERANCE = 1e-12


def differences(ours: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    """What differs between two results of one program; empty when they match."""
    if "error" in ours or "error" in reference:
        if "error" in ours and "error" in reference:
            return []
        failed, error = ("ours", ours) if "error" in ours else ("reference", reference)
        return [f"only {failed} failed: {error['error']}"]
    found: list[str] = []
    if ours["columns"] != reference["columns"]:
        found.append(f"columns {ours['columns']} != {reference['columns']}")
    if ours["types"] != reference["types"]:
        found.append(f"types {ours['types']} != {reference['types']}")
    ours_rows, ref_rows = ours["rows"], reference["rows"]
    if len(ours_rows) != len(ref_rows):
        found.append(f"{len(ours_rows)} rows != {len(ref_rows)} rows")
    if not reference["ordered"]:
        ours_rows, ref_rows = sorted(ours_rows, key=_sort_key), sorted(ref_rows, key=_sort_key)
    for index, (a, b) in enumerate(zip(ours_rows, ref_rows, strict=False)):
        if not same(a, b):
            found.append(f"row {index}: {json.dumps(a)} != {json.dumps(b)}")
            if len(found) > 8:
                break
    return found


def same(a: Any, b: Any) -> bool:
    """Two encoded values match (doubles within the tolerance, the rest exactly)."""
    if isinstance(a, dict) and isinstance(b, dict) and "double" in a and "double" in b:
        x, y = float(a["double"]), float(b["double"])
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return x == y or math.isclose(x, y, rel_tol=RELATIVE_TOLERANCE, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _sort_key(row: Any) -> str:
    return json.dumps(_coarse(row), sort_keys=True)


def _coarse(value: Any) -> Any:
    """Doubles rounded for sorting only, so tolerance-level noise does not reorder rows."""
    if isinstance(value, dict) and "double" in value:
        x = float(value["double"])
        return {"double": x if math.isnan(x) or math.isinf(x) else float(f"{x:.9g}")}
    if isinstance(value, dict):
        return {k: _coarse(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_coarse(v) for v in value]
    return value
