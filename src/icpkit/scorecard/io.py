"""Scorecard files: TOML that people read, edit and diff, and that can never run code.

Loading validates every field and names the line at fault; writing puts one bin per line so a
diff of two versions shows exactly which points moved. A card is written only if its text reads
back as the same card: a value no file can hold is refused in one line, never written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any, NoReturn, TypedDict

import tomli_w

from icpkit.conditions import Condition
from icpkit.errors import IcpkitError
from icpkit.plain import plain
from icpkit.scorecard.model import (
    KINDS,
    Attribute,
    Bin,
    BinStats,
    Calibration,
    Disqualifier,
    Scorecard,
    Tiers,
)

FORMAT = "icpkit-scorecard/1"
# Bounds a card must keep to load: whatever a file says, a card that loads scores, prints as
# SQL (the points sum stays inside a 32-bit integer: 200 x MAX_ATTRIBUTES x MAX_POINTS x 2) and
# inspects in moments. Cards people write or learn sit far inside them (a learned card's points
# are tens, its attributes a handful, its bins a dozen).
MAX_CARD_BYTES = 4 * 1024 * 1024
MAX_ATTRIBUTES = 100
MAX_DISQUALIFIERS = 100
MAX_BINS = 250  # a bin per country fits
MAX_VALUES = 10_000
MAX_POINTS = 10_000
_CONDITION_KEYS = {"min", "max", "less_than", "values", "missing", "other"}
_STAT_KEYS = {"accounts", "won", "win_rate", "ci"}


def load_scorecard(path: str | Path) -> Scorecard:
    path = Path(path)
    if not path.is_file():
        raise IcpkitError("scorecard file not found", file=path)
    size = path.stat().st_size
    if size > MAX_CARD_BYTES:
        _too_big(size, path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IcpkitError("is not a UTF-8 text scorecard", file=path) from exc
    return parse_scorecard(text, source=str(path))


def parse_scorecard(
    text: str, source: str = "<scorecard>", *, limit_size: bool = True
) -> Scorecard:
    """The card a TOML text describes, every number checked against the bounds above;
    :class:`IcpkitError` naming ``source``, the line and the key at fault otherwise.
    ``limit_size``: refuse a text over MAX_CARD_BYTES before parsing it (off only for the text
    icpkit writes itself, whose comments and labels may make a card in bounds longer)."""
    if limit_size and len(text) > MAX_CARD_BYTES:
        _too_big(len(text.encode("utf-8", errors="replace")), source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise IcpkitError(f"not valid TOML: {message}", file=source, line=line) from exc
    return _Reader(data, text, source).scorecard()


def _too_big(size: int, source: str | Path) -> NoReturn:
    raise IcpkitError(
        f"is {size / 1024 / 1024:.1f} MB; a scorecard file is at most "
        f"{MAX_CARD_BYTES // 1024 // 1024} MB (at most {MAX_ATTRIBUTES} attributes of "
        f"{MAX_BINS:,} bins each)",
        file=source,
    )


class _Where(TypedDict, total=False):
    """Where in the card a problem is, as :meth:`_Reader.fail` takes it: the index-th
    ``[[table]]`` block, and its item-th bin."""

    table: str
    index: int
    item: int


class _Reader:
    def __init__(self, data: dict[str, Any], text: str, source: str) -> None:
        self.data = data
        self.lines = text.splitlines()
        self.source = source

    def fail(
        self,
        message: str,
        *,
        table: str | None = None,
        index: int = 0,
        key: str = "",
        item: int | None = None,
    ) -> NoReturn:
        line = self._line_of(table, index, key, item)
        raise IcpkitError(message, file=self.source, line=line)

    def _line_of(
        self, table: str | None, index: int, key: str, item: int | None = None
    ) -> int | None:
        """Best-effort line of the index-th [[table]] block, of its item-th bin, and of key."""
        start, end = 0, len(self.lines)
        if table:
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
            hits = [i for i, line in enumerate(self.lines) if header.match(line)]
            if index >= len(hits):
                return None
            start = hits[index]
            later = [i for i in range(start + 1, end) if re.match(r"^\s*\[", self.lines[i])]
            later = [i for i in later if not self.lines[i].strip().startswith(f"[[{table}.")]
            end = later[0] if later else end
        if item is not None:
            bins_at = next(
                (i for i in range(start, end) if re.match(r"^\s*bins\s*=", self.lines[i])), None
            )
            if bins_at is not None:
                opened = [i for i in range(bins_at, end) if "{" in self.lines[i]]
                if item < len(opened):
                    start, end = opened[item], opened[item] + 1
        if key:
            pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*=")
            for i in range(start, end):
                if pattern.search(self.lines[i]):
                    return i + 1
        return start + 1 if (table or item is not None) else None

    def scorecard(self) -> Scorecard:
        data = self.data
        unknown = set(data) - {
            "format",
            "name",
            "version",
            "description",
            "tiers",
            "calibration",
            "trained_on",
            "attributes",
            "disqualifiers",
        }
        if unknown:
            self.fail(f"unknown top-level key {sorted(unknown)[0]!r}", key=sorted(unknown)[0])
        attributes = data.get("attributes", [])
        if not isinstance(attributes, list) or not attributes:
            self.fail("a scorecard needs at least one [[attributes]] block")
        if len(attributes) > MAX_ATTRIBUTES:
            self.fail(
                f"has {len(attributes):,} attributes; a card holds at most {MAX_ATTRIBUTES:,}",
                table="attributes",
                index=MAX_ATTRIBUTES,
            )
        disqualifiers = data.get("disqualifiers", [])
        if not isinstance(disqualifiers, list):
            self.fail("disqualifiers must be [[disqualifiers]] blocks", key="disqualifiers")
        if len(disqualifiers) > MAX_DISQUALIFIERS:
            self.fail(
                f"has {len(disqualifiers):,} disqualifiers; a card holds at most "
                f"{MAX_DISQUALIFIERS:,}",
                table="disqualifiers",
                index=MAX_DISQUALIFIERS,
            )
        parsed = tuple(self.attribute(a, i) for i, a in enumerate(attributes))
        names = [a.name for a in parsed]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.fail(f"attribute name {name!r} is used twice", table="attributes", index=i)
        dq = tuple(self.disqualifier(d, i) for i, d in enumerate(disqualifiers))
        trained_on = data.get("trained_on", {})
        if not isinstance(trained_on, dict):
            self.fail("[trained_on] must be a table", key="trained_on")
        version = data.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail("version must be a positive integer", key="version")
        return Scorecard(
            name=str(data.get("name", "ICP scorecard")),
            version=version,
            description=str(data.get("description", "")),
            attributes=parsed,
            disqualifiers=dq,
            tiers=self.tiers(data.get("tiers"), len(parsed)),
            calibration=self.calibration(data.get("calibration")),
            trained_on=dict(trained_on),
        )

    def attribute(self, raw: Any, index: int) -> Attribute:
        where: _Where = {"table": "attributes", "index": index}
        if not isinstance(raw, dict):
            self.fail("each attribute must be a table", **where)
        column = raw.get("column")
        if not isinstance(column, str) or not column.strip():
            self.fail("attribute needs a 'column' (the input column it reads)", **where)
        kind = raw.get("kind", "category")
        if kind not in KINDS:
            self.fail(f"kind {kind!r} is not one of {', '.join(KINDS)}", **where, key="kind")
        bins = raw.get("bins")
        if not isinstance(bins, list) or not bins:
            self.fail(f"attribute {column!r} has no bins", **where)
        if len(bins) > MAX_BINS:
            self.fail(
                f"attribute {column!r} has {len(bins):,} bins; an attribute holds at most "
                f"{MAX_BINS:,}",
                **where,
                key="bins",
            )
        extra = set(raw) - {"name", "column", "kind", "bins", "unit", "and_column", "and_kind"}
        if extra:
            key = sorted(extra)[0]
            self.fail(f"unknown key {key!r} in attribute {column!r}", **where, key=key)
        unit = str(raw.get("unit", ""))
        column2, kind2 = self.second_column(raw, column, where)
        parsed_bins = tuple(self.bin(b, kind, unit, index, i, kind2) for i, b in enumerate(bins))
        return Attribute(
            str(raw.get("name", column)), column, kind, parsed_bins, unit, column2, kind2
        )

    def second_column(self, raw: dict[str, Any], column: str, where: _Where) -> tuple[str, str]:
        """A pair row's second column (``and_column``) and its kind, or ("", "")."""
        if "and_column" not in raw:
            if "and_kind" in raw:
                self.fail(f"and_kind in attribute {column!r} needs an and_column", **where)
            return "", ""
        column2 = raw["and_column"]
        if not isinstance(column2, str) or not column2.strip():
            self.fail("and_column must name a second input column", **where, key="and_column")
        if column2 == column:
            self.fail(f"a pair row reads two columns, not {column!r} twice", **where)
        kind2 = raw.get("and_kind", "category")
        if kind2 not in KINDS:
            self.fail(f"kind {kind2!r} is not one of {', '.join(KINDS)}", **where, key="and_kind")
        return column2, kind2

    def bin(self, raw: Any, kind: str, unit: str, index: int, item: int, kind2: str = "") -> Bin:
        where: _Where = {"table": "attributes", "index": index, "item": item}
        if not isinstance(raw, dict):
            self.fail(
                "each bin must be a table such as { min = 50, max = 200, points = 2 }", **where
            )
        points = raw.get("points")
        if isinstance(points, bool) or not isinstance(points, int):
            self.fail("every bin needs integer 'points'", **where, key="points")
        if abs(points) > MAX_POINTS:
            self.fail(
                f"points {points} is outside -{MAX_POINTS:,} to {MAX_POINTS:,}",
                **where,
                key="points",
            )
        extra = set(raw) - _CONDITION_KEYS - _STAT_KEYS - {"label", "points", "and"}
        if extra:
            key = sorted(extra)[0]
            self.fail(f"unknown key {key!r} in a bin", **where, key=key)
        condition = self.condition(raw, kind, where)
        condition2 = None
        if kind2:
            second = raw.get("and")
            if not isinstance(second, dict):
                self.fail(
                    "a pair row's bin needs 'and', its condition on and_column, such as "
                    "and = { min = 4 }",
                    **where,
                )
            extra = set(second) - _CONDITION_KEYS
            if extra:
                self.fail(f"unknown key {sorted(extra)[0]!r} in a bin's 'and'", **where)
            condition2 = self.condition(second, kind2, where)
        elif "and" in raw:
            self.fail("'and' applies only to a pair row (an attribute with and_column)", **where)
        label = str(raw.get("label") or "")
        return Bin(label, points, condition, self.stats(raw, where), condition2)

    def condition(self, raw: dict[str, Any], kind: str, where: _Where) -> Condition:
        present = [k for k in ("min", "max", "less_than", "values", "missing", "other") if k in raw]
        if not present:
            self.fail(
                "a bin or disqualifier needs min/max/less_than, values, missing or other", **where
            )
        numbers = {}
        for key in ("min", "max", "less_than"):
            if key in raw:
                value = raw[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    self.fail(f"{key} must be a number", **where, key=key)
                if not math.isfinite(value):
                    self.fail(f"{key} must be a finite number, not {value}", **where, key=key)
                if kind != "numeric":
                    self.fail(f"{key} only applies to numeric attributes", **where, key=key)
                numbers[key] = float(value)
        low, high, below = numbers.get("min"), numbers.get("max"), numbers.get("less_than")
        if low is not None and high is not None and low > high:
            self.fail(f"min {low:g} is above max {high:g}", **where, key="min")
        if low is not None and below is not None and low >= below:
            self.fail(f"min {low:g} is not below less_than {below:g}", **where, key="min")
        values = raw.get("values")
        if values is not None:
            if not isinstance(values, list) or not values:
                self.fail("values must be a non-empty list", **where, key="values")
            if len(values) > MAX_VALUES:
                self.fail(
                    f"values lists {len(values):,} items; a bin lists at most {MAX_VALUES:,}",
                    **where,
                    key="values",
                )
            if kind == "numeric":
                self.fail(
                    "values only apply to category, list or boolean attributes",
                    **where,
                    key="values",
                )
            values = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
        return Condition(low, high, below, values, bool(raw.get("missing")), bool(raw.get("other")))

    def stats(self, raw: dict[str, Any], where: _Where) -> BinStats | None:
        """The counts behind a bin: whole numbers of accounts, won no more than accounts,
        rates between 0 and 1 (a rate left out, or nan, is unknown)."""
        if "accounts" not in raw:
            return None
        accounts = self.count(raw, "accounts", where)
        won = self.count(raw, "won", where) if "won" in raw else 0
        if won > accounts:
            self.fail(f"won {won} is more than accounts {accounts}", **where, key="won")
        ci = raw.get("ci", [math.nan, math.nan])
        if not (isinstance(ci, list) and len(ci) == 2):
            self.fail("ci must be [low, high]", **where, key="ci")
        win_rate = self.rate(raw.get("win_rate", math.nan), "win_rate", where)
        low, high = (self.rate(v, "ci", where) for v in ci)
        return BinStats(accounts, won, win_rate, low, high)

    def count(self, raw: dict[str, Any], key: str, where: _Where) -> int:
        value = raw[key]
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole or not 0 <= value < INT64:
            self.fail(f"{key} must be a whole number of accounts, not {value!r}", **where, key=key)
        return int(value)

    def rate(self, value: Any, key: str, where: _Where) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{key} must be a number", **where, key=key)
        if not (math.isnan(value) or 0 <= value <= 1):
            self.fail(f"{key} must be a rate between 0 and 1, not {value}", **where, key=key)
        return float(value)

    def disqualifier(self, raw: Any, index: int) -> Disqualifier:
        where: _Where = {"table": "disqualifiers", "index": index}
        if not isinstance(raw, dict) or not isinstance(raw.get("column"), str):
            self.fail("a disqualifier needs a 'column'", **where)
        kind = raw.get("kind", "category")
        if kind not in KINDS:
            self.fail(f"kind {kind!r} is not one of {', '.join(KINDS)}", **where, key="kind")
        extra = set(raw) - _CONDITION_KEYS - _STAT_KEYS - {"column", "kind", "reason", "attribute"}
        if extra:
            key = sorted(extra)[0]
            self.fail(f"unknown key {key!r} in a disqualifier", **where, key=key)
        condition = self.condition(raw, kind, where)
        column = raw["column"]
        reason = str(raw.get("reason") or f"{column} {condition.describe()}")
        return Disqualifier(
            str(raw.get("attribute", column)),
            column,
            kind,
            condition,
            reason,
            self.stats(raw, where),
        )

    def tiers(self, raw: Any, attributes: int = 1) -> Tiers:
        """Lower bounds A >= B >= C: on the 0-100 score, between 0 and 100; on raw points,
        within what the card's points could ever add up to."""
        if raw is None:
            return Tiers(70, 50, 30)
        if not isinstance(raw, dict):
            self.fail("[tiers] must be a table with A, B and C lower bounds", key="tiers")
        unit = raw.get("unit", "score")
        if unit not in ("score", "points"):
            self.fail("tiers unit must be 'score' or 'points'", key="unit")
        reach = MAX_POINTS * attributes
        low, high = (0, 100) if unit == "score" else (-reach, reach)
        bounds = []
        for name in ("A", "B", "C"):
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(f"tiers need a numeric lower bound for {name}", key=name)
            if not math.isfinite(value):
                self.fail(f"tier {name} must be a finite number, not {value}", key=name)
            if not low <= value <= high:
                what = "the 0-100 score" if unit == "score" else "points the card can add up to"
                self.fail(
                    f"tier {name} must be between {low:,} and {high:,} ({what}), not {value:g}",
                    key=name,
                )
            bounds.append(float(value))
        if not bounds[0] >= bounds[1] >= bounds[2]:
            self.fail("tier bounds must satisfy A >= B >= C", key="A")
        a, b, c = bounds
        return Tiers(a, b, c, unit=unit)

    def calibration(self, raw: Any) -> Calibration | None:
        if raw is None:
            return None
        try:
            calibration = Calibration(float(raw["intercept"]), float(raw["slope"]))
        except (KeyError, TypeError, ValueError):
            self.fail("[calibration] needs numeric intercept and slope", key="intercept")
        if not (math.isfinite(calibration.intercept) and math.isfinite(calibration.slope)):
            self.fail("[calibration] intercept and slope must be finite", key="intercept")
        return calibration


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# ---- writing -----------------------------------------------------------------------------

INT64 = 2**63  # TOML integers are 64-bit; a larger one is not a number other readers accept
_SURROGATE = re.compile("[\ud800-\udfff]")


def dump_scorecard(card: Scorecard) -> str:
    """The card as the text of its file, checked to read back as the same card.

    A value no file can hold (NaN, infinity, a bin that names no values, text that is not
    Unicode) is refused with an :class:`IcpkitError` naming the attribute and bin, never
    written as something else.
    """
    text = _card_text(card)
    _check_reads_back(card, text)
    return text


def save_scorecard(card: Scorecard, path: str | Path) -> None:
    """Write the card to ``path`` once its text is known to read back as the same card. A
    card that cannot be written leaves a file already at ``path`` as it was."""
    path = Path(path)
    try:
        text = dump_scorecard(card)
    except IcpkitError as error:
        raise IcpkitError(error.message, file=path) from error
    # Written beside the target and moved over it, so a crash never leaves half a card.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def scorecard_to_dict(card: Scorecard) -> dict[str, Any]:
    """The card as plain JSON-ready data (for `icpkit inspect --json` and the API)."""
    full = tomllib.loads(dump_scorecard(card))
    return {
        "name": card.name,
        "version": card.version,
        "attributes": [a.name for a in card.attributes],
        "columns": card.columns,
        "disqualifiers": full.get("disqualifiers", []),
        "tiers": full["tiers"],
        "point_range": list(card.point_range()),
        "calibration": full.get("calibration"),
        "trained_on": full.get("trained_on", {}),
        "bins": {a["name"]: a["bins"] for a in full["attributes"]},
    }


def _card_text(card: Scorecard) -> str:
    out = [
        "# icpkit scorecard. Points per attribute bin; the first bin that matches a value counts.",
        "# Edit points, bins, disqualifiers and tiers freely, then check the card against history",
        "# with `icpkit build` or `icpkit score`. This file is data: nothing in it is executed.",
        _entry("format", FORMAT, "the card"),
        _entry("name", card.name, "the card"),
        _entry("version", card.version, "the card"),
    ]
    if card.description:
        out.append(_entry("description", card.description, "the card"))
    tiers = card.tiers
    out += [
        "",
        "# Tier lower bounds (D is below C), on the 0-100 score or on raw points.",
        "[tiers]",
        _entry("unit", tiers.unit, "[tiers]"),
        _entry("A", _tidy(tiers.a), "[tiers]"),
        _entry("B", _tidy(tiers.b), "[tiers]"),
        _entry("C", _tidy(tiers.c), "[tiers]"),
    ]
    if card.calibration:
        out += [
            "",
            "# Win probability = 1 / (1 + exp(-(intercept + slope * score)))",
            "[calibration]",
            _entry("intercept", _tidy(card.calibration.intercept), "[calibration]"),
            _entry("slope", _tidy(card.calibration.slope), "[calibration]"),
        ]
    if card.trained_on:
        out += ["", "[trained_on]"]
        out += [_entry(k, v, "[trained_on]") for k, v in card.trained_on.items()]
    for attribute in card.attributes:
        where = f"attribute {attribute.name!r}"
        out += [
            "",
            "[[attributes]]",
            _entry("name", attribute.name, where),
            _entry("column", attribute.column, where),
            _entry("kind", attribute.kind, where),
        ]
        if attribute.unit:
            out.append(_entry("unit", attribute.unit, where))
        if attribute.is_pair:
            out.append(_entry("and_column", attribute.column2, where))
            out.append(_entry("and_kind", attribute.kind2, where))
        out.append("bins = [")
        for i, b in enumerate(attribute.bins):
            at = f"{where}, bin {i + 1} ({b.label!r})"
            second = {}
            if attribute.is_pair:
                if b.condition2 is None:
                    _refuse(at, "is a pair row's bin with no condition on its second column")
                second = {"and": _condition_fields(b.condition2, at)}
            elif b.condition2 is not None:
                _refuse(at, "has a condition on a second column, but the attribute reads one")
            fields = {
                "label": b.label,
                **_condition_fields(b.condition, at),
                **second,
                "points": b.points,
                **_stat_fields(b.stats),
            }
            out.append(f"  {_toml(fields, at)},")
        out.append("]")
    for i, rule in enumerate(card.disqualifiers):
        at = f"disqualifier {i + 1} ({rule.reason!r})"
        fields = {
            "attribute": rule.attribute,
            "column": rule.column,
            "kind": rule.kind,
            **_condition_fields(rule.condition, at),
            "reason": rule.reason,
            **_stat_fields(rule.stats),
        }
        out += ["", "[[disqualifiers]]"] + [_entry(k, v, at) for k, v in fields.items()]
    return "\n".join(out) + "\n"


def _condition_fields(c: Condition, where: str) -> dict[str, Any]:
    if c.is_empty():
        _refuse(
            where,
            "has no condition: a file cannot say which values it matches (give it min, max, "
            "less_than, values, missing or other)",
        )
    fields: dict[str, Any] = {}
    if c.min is not None:
        fields["min"] = _tidy(c.min)
    if c.max is not None:
        fields["max"] = _tidy(c.max)
    if c.less_than is not None:
        fields["less_than"] = _tidy(c.less_than)
    if c.values is not None:
        fields["values"] = list(c.values)
    if c.missing:
        fields["missing"] = True
    if c.other:
        fields["other"] = True
    return fields


def _written_stats(stats: BinStats) -> BinStats:
    """The counts behind a bin as its file keeps them: rates to 4 decimals, enough to check."""
    return dataclasses.replace(
        stats,
        win_rate=_round(stats.win_rate),
        ci_low=_round(stats.ci_low),
        ci_high=_round(stats.ci_high),
    )


def _round(rate: Any) -> Any:
    return round(rate, 4) if isinstance(rate, float) and math.isfinite(rate) else rate


def _stat_fields(stats: BinStats | None) -> dict[str, Any]:
    if stats is None:
        return {}
    stats = _written_stats(stats)
    fields: dict[str, Any] = {"accounts": stats.accounts, "won": stats.won}
    # An unknown rate (an empty bin's) is left out, which is how the reader knows it.
    if not _is_nan(stats.win_rate):
        fields["win_rate"] = _tidy(stats.win_rate)
    if not (_is_nan(stats.ci_low) and _is_nan(stats.ci_high)):
        fields["ci"] = [_tidy(stats.ci_low), _tidy(stats.ci_high)]
    return fields


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _tidy(number: Any) -> Any:
    """A number read back as a float, spelled as people write it: `min = 50`, not `50.0`; the
    same whether the card holds 50 or 50.0, so a card written twice gives the same text."""
    number = plain(number)
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) < INT64:
        number = float(number)
    if not isinstance(number, float) or not number.is_integer() or abs(number) >= 1e15:
        return number
    return number if number == 0 and _sign(number) < 0 else int(number)  # -0.0 stays -0.0


def _entry(key: Any, value: Any, where: str) -> str:
    return f"{_key(key, where)} = {_toml(value, f'{where}: {key}')}"


def _toml(value: Any, what: str) -> str:
    """The one way a value enters a scorecard file: made plain Python, checked, and spelled
    as TOML (text escaped by tomli_w), so whatever is written reads back as itself."""
    value = plain(value)
    if value is None:
        _refuse(what, "has no value (a scorecard file has no null)")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not -INT64 <= value < INT64:
            _refuse(what, f"is {value}, beyond the 64-bit integers a scorecard file holds")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            _refuse(what, f"is {value}, not a finite number")
        return repr(value)
    if isinstance(value, str):
        if _SURROGATE.search(value):
            _refuse(what, f"is not valid Unicode text ({value!r})")
        return tomli_w.dumps({"v": value}).removeprefix("v = ").removesuffix("\n")
    if isinstance(value, (dt.date, dt.time)):
        if isinstance(value, dt.time) and value.tzinfo is not None:
            _refuse(what, f"is a time with a time zone ({value}), which TOML cannot hold")
        return tomli_w.dumps({"v": value}).removeprefix("v = ").removesuffix("\n")
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v, f"{what}[{i}]") for i, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        entries = ", ".join(_entry(k, v, what) for k, v in value.items())
        return "{ " + entries + " }"
    _refuse(what, f"is a {type(value).__name__} ({value!r}), which a scorecard file cannot hold")


def _key(key: Any, where: str) -> str:
    key = plain(key)
    if not isinstance(key, str):
        _refuse(f"{where}: key {key!r}", "is not text")
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key, f"{where}: key {key!r}")


def _refuse(what: str, problem: str) -> NoReturn:
    raise IcpkitError(f"cannot write the scorecard: {what} {problem}")


def _check_reads_back(card: Scorecard, text: str) -> None:
    try:
        read = parse_scorecard(text, source="the written scorecard", limit_size=False)
    except IcpkitError as error:
        raise IcpkitError(f"cannot write the scorecard: it would not read back ({error})") from None
    difference = card_difference(_as_written(card), read)
    if difference:
        raise IcpkitError(f"cannot write the scorecard: it would read back changed ({difference})")


def _as_written(card: Scorecard) -> Scorecard:
    """The card as its file keeps it: the same, but for the rates behind each bin, rounded."""

    def kept(stats: BinStats | None) -> BinStats | None:
        return None if stats is None else _written_stats(stats)

    attributes = tuple(
        dataclasses.replace(
            a, bins=tuple(dataclasses.replace(b, stats=kept(b.stats)) for b in a.bins)
        )
        for a in card.attributes
    )
    disqualifiers = tuple(dataclasses.replace(d, stats=kept(d.stats)) for d in card.disqualifiers)
    return dataclasses.replace(card, attributes=attributes, disqualifiers=disqualifiers)


def card_difference(expected: Any, found: Any, path: str = "card") -> str | None:
    """Where two scorecards (or any of their parts) differ, as `attributes[0].bins[2].
    condition.min: 80.55 vs 80.5`, or None when they are the same.

    Stricter than ``==`` where a file could lose something: NaN equals NaN, -0.0 is not
    0.0, True is not 1, text is compared exactly. An int and a float of the same value are
    the same number (a file writes `min = 50` for 50.0)."""
    if dataclasses.is_dataclass(expected) and type(expected) is type(found):
        for f in dataclasses.fields(expected):
            name = f.name
            found_here = card_difference(
                getattr(expected, name), getattr(found, name), f"{path}.{name}"
            )
            if found_here:
                return found_here
        return None
    if isinstance(expected, (list, tuple)) and isinstance(found, type(expected)):
        if len(expected) != len(found):
            return f"{path}: {len(expected)} items vs {len(found)}"
        for i, (a, b) in enumerate(zip(expected, found, strict=True)):
            found_here = card_difference(a, b, f"{path}[{i}]")
            if found_here:
                return found_here
        return None
    if isinstance(expected, dict) and isinstance(found, dict):
        if list(expected) != list(found):
            return f"{path}: keys {list(expected)!r} vs {list(found)!r}"
        for key in expected:
            found_here = card_difference(expected[key], found[key], f"{path}.{key}")
            if found_here:
                return found_here
        return None
    if _same_number(expected, found) or (type(expected) is type(found) and expected == found):
        return None
    return f"{path}: {expected!r} vs {found!r}"


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if not (isinstance(a, numbers) and isinstance(b, numbers)):
        return False
    if _is_nan(a) or _is_nan(b):
        return _is_nan(a) and _is_nan(b)
    return a == b and _sign(a) == _sign(b)


def _sign(number: float) -> float:
    if isinstance(number, float):
        return math.copysign(1.0, number)
    return -1.0 if number < 0 else 1.0
