"""What a reader can work out from a table's shown figures and its total, for the disclosure tests.

The reader sees some figures, knows the table's total (shown elsewhere, or worked out), and so
knows the sum of the hidden figures: the total less what is shown. The one disclosure rule
(justculture.core.disclosure) promises that this sum is never a small number: it is 0 or at
least the threshold, unless every hidden non-zero figure is one whose value may be worked out
(the "not stated" count in fairness figures).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping


def problem(true: Mapping[Hashable, int], shown: Mapping[Hashable, int | None], threshold: int, *,
            derivable: Collection[Hashable] = ()) -> str:
    """"" when nothing small can be worked out, otherwise what can be (for the assertion message).

    ``true`` holds every figure of one table as it really is; ``shown`` the same figures as the
    reader sees them (None where hidden). A shown figure must be the true one.
    """
    assert set(shown) == set(true), (sorted(map(str, shown)), sorted(map(str, true)))
    for key, value in shown.items():
        assert value is None or value == true[key], f"{key!r} is shown as {value}, but is {true[key]}"
    total = sum(true.values())
    if 0 < total < threshold:
        # The total is itself a small number: whatever shows it must hide it; here everything must be hidden.
        return "" if all(v is None for v in shown.values()) else f"total {total} is small but figures are shown"
    hidden = [key for key, value in shown.items() if value is None]
    worked_out = total - sum(value for value in shown.values() if value is not None)
    if worked_out == 0 or worked_out >= threshold:
        return ""
    if all(true[key] == 0 or key in derivable for key in hidden):
        return ""
    return (f"the hidden figures {sorted(map(str, hidden))} add up to {worked_out}, fewer than {threshold}, "
            f"and anyone who knows the total ({total}) can work that out")
