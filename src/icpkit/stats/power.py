"""Power: how large an effect must be before the data can show it."""

from __future__ import annotations

import math
from collections.abc import Callable

from scipy import stats as sps

DETECTABLE_SHARES = (0.1, 0.25, 0.5)


def minimum_detectable_effect(
    n: int,
    base: float,
    alpha: float,
    power: float = 0.8,
    shares: tuple[float, ...] = DETECTABLE_SHARES,
) -> list[dict[str, float | None]]:
    """For segments holding 10%, 25% and 50% of the deals (``shares``): the lowest win rate
    inside that the search would call significant (against the single-condition bar
    ``alpha``) four times in five (``power``), and the highest a losing segment could have and
    still be caught. Small data says plainly how large an effect must be to show.

    The test is the two-sided z-test of the segment's rate against the rest's, its spread
    pooled under no effect; the power is read from the spread of the two rates as they are."""
    out: list[dict[str, float | None]] = []
    if not 0 < base < 1 or n < 4:
        return out
    z_alpha, z_power = sps.norm.isf(alpha / 2), sps.norm.ppf(power)
    for share in shares:
        n_in, n_out = share * n, (1 - share) * n
        if n_in < 2 or n_out < 2:
            continue

        def detects(rate: float, n_in: float = n_in, n_out: float = n_out) -> bool:
            pooled = (rate * n_in + base * n_out) / (n_in + n_out)
            null_sd = math.sqrt(pooled * (1 - pooled) * (1 / n_in + 1 / n_out))
            sd = math.sqrt(rate * (1 - rate) / n_in + base * (1 - base) / n_out)
            return abs(rate - base) - z_alpha * null_sd >= z_power * sd

        high = _bisect(detects, base, 1.0)
        low = _bisect(detects, base, 0.0)
        out.append(
            {
                "share_of_deals": share,
                "deals": int(round(n_in)),
                "win_rate_needed_above": high,
                "lift_needed_above": high / base if high is not None else None,
                "win_rate_needed_below": low,
                "lift_needed_below": low / base if low is not None else None,
            }
        )
    return out


def _bisect(detects: Callable[[float], bool], start: float, end: float) -> float | None:
    """The rate closest to ``start`` on the way to ``end`` that ``detects`` accepts."""
    if not detects(end * 0.999999 + start * 0.000001):
        return None
    near, far = start, end
    for _ in range(50):
        middle = (near + far) / 2
        if detects(middle):
            far = middle
        else:
            near = middle
    return round(far, 4)
