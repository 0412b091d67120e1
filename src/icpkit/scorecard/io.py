"""Scorecard files: TOML that people read, edit and diff, and that can never run code.

Loading validates every field and names the line at fault; writing puts one bin per line so a
diff of two versions shows exactly which points moved.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from icpkit.conditions import Condition
from icpkit.errors import IcpkitError
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
_CONDITION_KEYS = {"min", "max", "less_than", "values", "missing", "other"}
_STAT_KEYS = {"accounts", "won", "win_rate", "ci"}


def load_scorecard(path: str | Path) -> Scorecard:
    path = Path(path)
    if not path.is_file():
        raise IcpkitError("scorecard file not found", file=path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IcpkitError("is not a UTF-8 text scorecard", file=path) from exc
    return parse_scorecard(text, source=str(path))


def parse_scorecard(text: str, source: str = "<scorecard>") -> Scorecard:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise IcpkitError(f"not valid TOML: {message}", file=source, line=line) from exc
    return _Reader(data, text, source).scorecard()


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
        parsed = tuple(self.attribute(a, i) for i, a in enumerate(attributes))
        names = [a.name for a in parsed]
        for i, name in enumerate(names):
            if name in names[:i]:
                self.fail(f"attribute name {name!r} is used twice", table="attributes", index=i)
        dq = tuple(self.disqualifier(d, i) for i, d in enumerate(data.get("disqualifiers", [])))
        version = data.get("version", 1)
        if not isinstance(version, int) or version < 1:
            self.fail("version must be a positive integer", key="version")
        return Scorecard(
            name=str(data.get("name", "ICP scorecard")),
            version=version,
            description=str(data.get("description", "")),
            attributes=parsed,
            disqualifiers=dq,
            tiers=self.tiers(data.get("tiers")),
            calibration=self.calibration(data.get("calibration")),
            trained_on=dict(data.get("trained_on", {})),
        )

    def attribute(self, raw: Any, index: int) -> Attribute:
        where = {"table": "attributes", "index": index}
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
        extra = set(raw) - {"name", "column", "kind", "bins", "unit"}
        if extra:
            key = sorted(extra)[0]
            self.fail(f"unknown key {key!r} in attribute {column!r}", **where, key=key)
        unit = str(raw.get("unit", ""))
        parsed_bins = tuple(self.bin(b, kind, unit, index, i) for i, b in enumerate(bins))
        return Attribute(str(raw.get("name", column)), column, kind, parsed_bins, unit)

    def bin(self, raw: Any, kind: str, unit: str, index: int, item: int) -> Bin:
        where = {"table": "attributes", "index": index, "item": item}
        if not isinstance(raw, dict):
            self.fail(
                "each bin must be a table such as { min = 50, max = 200, points = 2 }", **where
            )
        points = raw.get("points")
        if isinstance(points, bool) or not isinstance(points, int):
            self.fail("every bin needs integer 'points'", **where, key="points")
        extra = set(raw) - _CONDITION_KEYS - _STAT_KEYS - {"label", "points"}
        if extra:
            key = sorted(extra)[0]
            self.fail(f"unknown key {key!r} in a bin", **where, key=key)
        condition = self.condition(raw, kind, where)
        label = str(raw.get("label") or condition.describe(unit))
        return Bin(label, points, condition, self.stats(raw, where))

    def condition(self, raw: dict[str, Any], kind: str, where: dict[str, Any]) -> Condition:
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
            if kind == "numeric":
                self.fail(
                    "values only apply to category, list or boolean attributes",
                    **where,
                    key="values",
                )
            values = tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in values)
        return Condition(low, high, below, values, bool(raw.get("missing")), bool(raw.get("other")))

    def stats(self, raw: dict[str, Any], where: dict[str, Any]) -> BinStats | None:
        if "accounts" not in raw:
            return None
        ci = raw.get("ci", [math.nan, math.nan])
        if not (isinstance(ci, list) and len(ci) == 2):
            self.fail("ci must be [low, high]", **where, key="ci")
        try:
            return BinStats(
                int(raw["accounts"]),
                int(raw.get("won", 0)),
                float(raw.get("win_rate", math.nan)),
                float(ci[0]),
                float(ci[1]),
            )
        except (TypeError, ValueError):
            self.fail("accounts, won, win_rate and ci must be numbers", **where, key="accounts")

    def disqualifier(self, raw: Any, index: int) -> Disqualifier:
        where = {"table": "disqualifiers", "index": index}
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

    def tiers(self, raw: Any) -> Tiers:
        if raw is None:
            return Tiers(70, 50, 30)
        if not isinstance(raw, dict):
            self.fail("[tiers] must be a table with A, B and C lower bounds", key="tiers")
        unit = raw.get("unit", "score")
        if unit not in ("score", "points"):
            self.fail("tiers unit must be 'score' or 'points'", key="unit")
        bounds = []
        for name in ("A", "B", "C"):
            value = raw.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(f"tiers need a numeric lower bound for {name}", key=name)
            bounds.append(float(value))
        if not bounds[0] >= bounds[1] >= bounds[2]:
            self.fail("tier bounds must satisfy A >= B >= C", key="A")
        return Tiers(*bounds, unit=unit)

    def calibration(self, raw: Any) -> Calibration | None:
        if raw is None:
            return None
        try:
            return Calibration(float(raw["intercept"]), float(raw["slope"]))
        except (KeyError, TypeError, ValueError):
            self.fail("[calibration] needs numeric intercept and slope", key="intercept")


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


# ---- writing -----------------------------------------------------------------------------


def dump_scorecard(card: Scorecard) -> str:
    out = [
        "# icpkit scorecard. Points per attribute bin; the first bin that matches a value counts.",
        "# Edit points, bins, disqualifiers and tiers freely, then check the card against history",
        "# with `icpkit build` or `icpkit score`. This file is data: nothing in it is executed.",
        f"format = {_value(FORMAT)}",
        f"name = {_value(card.name)}",
        f"version = {card.version}",
    ]
    if card.description:
        out.append(f"description = {_value(card.description)}")
    out += [
        "",
        "# Tier lower bounds (D is below C), on the 0-100 score or on raw points.",
        "[tiers]",
        f"unit = {_value(card.tiers.unit)}",
        f"A = {_value(card.tiers.a)}",
        f"B = {_value(card.tiers.b)}",
        f"C = {_value(card.tiers.c)}",
    ]
    if card.calibration:
        out += [
            "",
            "# Win probability = 1 / (1 + exp(-(intercept + slope * score)))",
            "[calibration]",
            f"intercept = {_value(card.calibration.intercept)}",
            f"slope = {_value(card.calibration.slope)}",
        ]
    if card.trained_on:
        out += ["", "[trained_on]"]
        out += [f"{_key(k)} = {_value(v)}" for k, v in card.trained_on.items()]
    for attribute in card.attributes:
        out += [
            "",
            "[[attributes]]",
            f"name = {_value(attribute.name)}",
            f"column = {_value(attribute.column)}",
            f"kind = {_value(attribute.kind)}",
        ]
        if attribute.unit:
            out.append(f"unit = {_value(attribute.unit)}")
        out.append("bins = [")
        for b in attribute.bins:
            fields = {
                "label": b.label,
                **_condition_fields(b.condition),
                "points": b.points,
                **_stat_fields(b.stats),
            }
            out.append(f"  {_inline(fields)},")
        out.append("]")
    for rule in card.disqualifiers:
        fields = {
            "attribute": rule.attribute,
            "column": rule.column,
            "kind": rule.kind,
            **_condition_fields(rule.condition),
            "reason": rule.reason,
            **_stat_fields(rule.stats),
        }
        out += ["", "[[disqualifiers]]"] + [f"{_key(k)} = {_value(v)}" for k, v in fields.items()]
    return "\n".join(out) + "\n"


def save_scorecard(card: Scorecard, path: str | Path) -> None:
    Path(path).write_text(dump_scorecard(card), encoding="utf-8")


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


def _condition_fields(c: Condition) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if c.min is not None:
        fields["min"] = c.min
    if c.max is not None:
        fields["max"] = c.max
    if c.less_than is not None:
        fields["less_than"] = c.less_than
    if c.values is not None:
        fields["values"] = list(c.values)
    if c.missing:
        fields["missing"] = True
    if c.other:
        fields["other"] = True
    return fields


def _stat_fields(stats: BinStats | None) -> dict[str, Any]:
    if stats is None:
        return {}
    if stats.accounts == 0:
        return {"accounts": 0, "won": 0}
    return {
        "accounts": stats.accounts,
        "won": stats.won,
        "win_rate": round(stats.win_rate, 4),
        "ci": [round(stats.ci_low, 4), round(stats.ci_high, 4)],
    }


def _inline(fields: dict[str, Any]) -> str:
    return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in fields.items()) + " }"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("scorecard numbers must be finite")
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes), and never a code path.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return _inline(value)
    return json.dumps(str(value), ensure_ascii=False)
