"""A card is written only if it reads back: drawn cards and learned cards round-trip exactly,
and a value no file can hold is refused with one clear line, never written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from icpkit.errors import IcpkitError
from icpkit.scorecard import (
    Attribute,
    Bin,
    BinStats,
    Calibration,
    Condition,
    Disqualifier,
    Scorecard,
    Tiers,
)
from icpkit.scorecard.io import (
    MAX_POINTS,
    dump_scorecard,
    load_scorecard,
    parse_scorecard,
    save_scorecard,
)
from icpkit.scorecard.learn import ScorecardLearner

# Text a label meets in real CRMs and in hand-edited cards.
AWKWARD_TEXT = [
    "",
    " ",
    'say "hi"',
    "it's",
    "back\\slash",
    "C:\\new\\table",
    "two\nlines",
    "tab\there",
    "cr\r\nlf",
    "\x00nul \x1f unit \x7f del",
    "Zürich",
    "北京",
    "🚀 rocket 👩‍💻",
    "שלום עולם",  # right to left
    "\u200fmark\u200e",
    "مرحبا",
    '"""',
    "'''",
    "[[attributes]]",
    "x = 1",
    "# not a comment",
    "\ufeffbom",
]
TEXT = st.one_of(st.sampled_from(AWKWARD_TEXT), st.text(max_size=20))

EXTREME_FLOATS = [
    0.0,
    -0.0,
    1e-300,
    -1e-300,
    5e-324,
    1e300,
    -1e300,
    1.7976931348623157e308,
    0.1,
    80.55,
    1 / 3,
    2.0**53,
    2.0**53 + 2,
    1e15,
    1e16 + 2,
]
FINITE = st.one_of(
    st.sampled_from(EXTREME_FLOATS), st.floats(allow_nan=False, allow_infinity=False)
)
# A number in any of the types NumPy, pandas and a database driver hand over.
NUMBER = st.one_of(
    FINITE,
    FINITE.map(np.float64),
    st.floats(width=32, allow_nan=False, allow_infinity=False).map(np.float32),
    st.integers(-128, 127).map(np.int8),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.integers(0, 2**64 - 1).map(np.uint64),
    st.integers(-(10**30), 10**30),
    FINITE.map(Decimal),
    st.decimals(-(10**20), 10**20, allow_nan=False, allow_infinity=False),
)
# Points as a card may hold them (a file refuses more than MAX_POINTS either way).
POINTS = st.one_of(
    st.integers(-MAX_POINTS, MAX_POINTS),
    st.sampled_from([-MAX_POINTS, MAX_POINTS]),
    st.integers(-MAX_POINTS, MAX_POINTS).map(np.int64),
    st.integers(-100, 100).map(lambda p: np.float64(p)),
)
RATE = st.one_of(st.integers(0, 10_000).map(lambda k: k / 10_000), st.just(math.nan))
FACT = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**31), 2**31 - 1).map(np.int64),
    FINITE,
    FINITE.map(np.float64),
    st.booleans(),
    st.booleans().map(np.bool_),
    TEXT,
    TEXT.map(np.str_),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        pd.Timestamp
    ),
    st.dates(),
)
TRAINED_ON = st.dictionaries(
    TEXT,
    st.one_of(
        FACT,
        st.none(),
        st.just(pd.NA),
        st.lists(FACT, max_size=3),
        st.dictionaries(TEXT, FACT, max_size=3),
    ),
    max_size=5,
)


@st.composite
def stats(draw) -> BinStats | None:
    if draw(st.booleans()):
        return None
    accounts = draw(st.integers(0, 10**12))
    won = draw(st.integers(0, accounts))
    low, high = sorted(draw(st.lists(RATE, min_size=2, max_size=2)), key=math.isnan)
    if math.isnan(low) != math.isnan(high):
        low = high = math.nan
    cast = draw(st.sampled_from([int, np.int64]))
    return BinStats(cast(accounts), cast(won), draw(RATE), low, high)


@st.composite
def numeric_attribute(draw, name: str) -> Attribute:
    """Ranges between drawn cut points (any number type), then the blanks."""
    raw = draw(st.lists(NUMBER, min_size=1, max_size=5))
    cuts: dict[float, object] = {}
    for number in raw:
        cuts.setdefault(float(number), number)
    ordered = [cuts[k] for k in sorted(cuts)]
    bins = [Bin(draw(TEXT), draw(POINTS), Condition(less_than=ordered[0]), draw(stats()))]
    for low, high in itertools.pairwise(ordered):
        upper = {"max": high} if draw(st.booleans()) else {"less_than": high}
        bins.append(Bin(draw(TEXT), draw(POINTS), Condition(min=low, **upper), draw(stats())))
    bins.append(Bin(draw(TEXT), draw(POINTS), Condition(min=ordered[-1]), draw(stats())))
    bins.append(Bin(draw(TEXT), draw(POINTS), Condition(missing=np.bool_(True)), draw(stats())))
    return Attribute(name, draw(TEXT.filter(str.strip)), "numeric", tuple(bins), draw(TEXT))


@st.composite
def category_attribute(draw, name: str) -> Attribute:
    kind = draw(st.sampled_from(["category", "list", "boolean"]))
    labels = TEXT.map(np.str_) if draw(st.booleans()) else TEXT
    groups = draw(st.lists(st.lists(labels, min_size=1, max_size=4), min_size=1, max_size=4))
    bins = [
        Bin(draw(TEXT), draw(POINTS), Condition(values=tuple(group)), draw(stats()))
        for group in groups
    ]
    bins.append(Bin(draw(TEXT), draw(POINTS), Condition(other=True), draw(stats())))
    return Attribute(name, draw(TEXT.filter(str.strip)), kind, tuple(bins))


@st.composite
def pair_attribute(draw, name: str) -> Attribute:
    """A pair row: each bin one of a first attribute's bins and one of a second's, crossed."""
    first = draw(st.one_of(numeric_attribute(name), category_attribute(name)))
    second = draw(st.one_of(numeric_attribute(name), category_attribute(name)))
    column2 = draw(TEXT.filter(lambda c: c.strip() and c != first.column))
    bins = tuple(
        Bin(draw(TEXT), draw(POINTS), a.condition, draw(stats()), b.condition)
        for a in first.bins
        for b in second.bins
    )
    return Attribute(name, first.column, first.kind, bins, first.unit, column2, second.kind)


@st.composite
def cards(draw) -> Scorecard:
    names = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
    attributes = tuple(
        draw(st.one_of(numeric_attribute(name), category_attribute(name), pair_attribute(name)))
        for name in names
    )
    disqualifiers = tuple(
        Disqualifier(a.name, a.column, a.kind, a.bins[0].condition, draw(TEXT), draw(stats()))
        for a in attributes
        if draw(st.booleans())
    )
    unit = draw(st.sampled_from(["score", "points"]))
    # tier bounds as a file may hold them: within the 0-100 score, or within the points the
    # card's attributes can add up to
    reach = 100 if unit == "score" else MAX_POINTS * len(attributes)
    bound = NUMBER.filter(lambda n: 0 <= float(n) <= 100) if unit == "score" else NUMBER
    bound = st.one_of(bound.filter(lambda n: abs(float(n)) <= reach), st.sampled_from([0, reach]))
    bounds = sorted((draw(bound) for _ in range(3)), key=float, reverse=True)
    calibration = None
    if draw(st.booleans()):
        calibration = Calibration(draw(NUMBER), draw(NUMBER))
    return Scorecard(
        name=draw(TEXT),
        attributes=attributes,
        tiers=Tiers(*bounds, unit=unit),
        disqualifiers=disqualifiers,
        calibration=calibration,
        version=draw(st.integers(1, 2**63 - 1)),
        description=draw(TEXT),
        trained_on=draw(TRAINED_ON),
    )


def exactly(value):
    """A value with every number spelled by its bits: NaN equals NaN, -0.0 is not 0.0."""
    if dataclasses.is_dataclass(value):
        fields = dataclasses.fields(value)
        return type(value).__name__, tuple(exactly(getattr(value, f.name)) for f in fields)
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, (int, float)):
        return "number", float(value).hex()
    if isinstance(value, (list, tuple)):
        return "items", tuple(exactly(v) for v in value)
    if isinstance(value, dict):
        return "map", tuple((k, exactly(v)) for k, v in value.items())
    return type(value).__name__, value


def with_rates_to_four_decimals(card: Scorecard) -> Scorecard:
    """What a file keeps of a card: all of it, but the win rates and intervals behind each bin
    to 4 decimals (the counts beside them are exact)."""

    def rounded(stats: BinStats | None) -> BinStats | None:
        if stats is None:
            return None
        return dataclasses.replace(
            stats,
            win_rate=_four(stats.win_rate),
            ci_low=_four(stats.ci_low),
            ci_high=_four(stats.ci_high),
        )

    attributes = tuple(
        dataclasses.replace(
            a, bins=tuple(dataclasses.replace(b, stats=rounded(b.stats)) for b in a.bins)
        )
        for a in card.attributes
    )
    rules = tuple(dataclasses.replace(d, stats=rounded(d.stats)) for d in card.disqualifiers)
    return dataclasses.replace(card, attributes=attributes, disqualifiers=rules)


def _four(rate: float) -> float:
    return round(rate, 4) if math.isfinite(rate) else rate


PLAIN = (bool, int, float, str, dt.date, dt.time, type(None))


def assert_plain(value, where: str = "card") -> None:
    """Only plain Python in a card held in memory: no NumPy or pandas scalar anywhere."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            assert_plain(getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            assert_plain(v, f"{where}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            assert type(k) is str, where
            assert_plain(v, f"{where}.{k}")
    else:
        assert type(value) in PLAIN or type(value) is dt.datetime, (where, type(value))


def assert_round_trips(card: Scorecard, path: Path) -> Scorecard:
    save_scorecard(card, path)
    loaded = load_scorecard(path)
    assert exactly(loaded) == exactly(with_rates_to_four_decimals(card))
    assert dump_scorecard(loaded) == path.read_text(encoding="utf-8")
    return loaded


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(card=cards())
def test_a_drawn_card_reads_back_exactly(tmp_path, card):
    assert_plain(card)
    assert_round_trips(card, tmp_path / "card.toml")


def test_numbers_keep_every_bit():
    cuts = [np.float64(80.55), np.float32(0.1), np.int64(-(2**62)), np.uint64(2**64 - 1)]
    cuts += [Decimal("1e-300"), 10**30, -0.0, 5e-324]
    ordered = sorted(cuts, key=float)
    bins = tuple(
        Bin(f"from {i}", np.int64(i), Condition(min=low, less_than=high))
        for i, (low, high) in enumerate(itertools.pairwise(ordered))
    )
    card = Scorecard("Numbers", (Attribute("X", "x", "numeric", bins),), Tiers(2, 1, 0))
    text = dump_scorecard(card)
    assert "np." not in text and "Decimal" not in text
    assert "less_than = 80.55," in text
    assert f"min = {float(np.float32(0.1))!r}," in text  # float32 0.1 as the float it is
    assert "min = -0.0," in text
    assert "less_than = 5e-324," in text
    read = [b.condition for b in parse_scorecard(text).attributes[0].bins]
    assert [c.min for c in read] == [float(x) for x in ordered[:-1]]
    assert math.copysign(1.0, read[ordered.index(-0.0)].min) == -1.0


def test_rates_behind_a_bin_keep_four_decimals(tmp_path):
    stats = BinStats(np.int64(3), np.int64(1), 1 / 3, 0.061_5, 0.792_3456)
    bins = (Bin("few", 1, Condition(values=("a",)), stats), Bin("rest", 0, Condition(other=True)))
    card = Scorecard("Rates", (Attribute("A", "a", "category", bins),), Tiers(2, 1, 0))
    save_scorecard(card, tmp_path / "card.toml")
    loaded = load_scorecard(tmp_path / "card.toml")
    assert loaded.attributes[0].bins[0].stats == BinStats(3, 1, 0.3333, 0.0615, 0.7923)


def test_a_learned_card_in_memory_holds_plain_python():
    rows = 200
    generator = np.random.default_rng(3)
    size = generator.lognormal(4, 1.5, rows).astype(np.float32)
    frame = pd.DataFrame(
        {"employees": size, "industry": generator.choice(["saas", "retail"], rows)}
    )
    won = (size > np.median(size)) ^ (generator.random(rows) < 0.2)
    card = ScorecardLearner().fit(frame, won)
    assert_plain(card)
    assert "np." not in repr(card)


# ---- refused, never written --------------------------------------------------------------


def one_attribute(*bins: Bin, kind: str = "numeric", **card) -> Scorecard:
    attribute = Attribute("Employees", "employees", kind, bins)
    return Scorecard("Refused", (attribute,), card.pop("tiers", Tiers(70, 50, 30)), **card)


REFUSED = {
    "a NaN bound": (
        one_attribute(Bin("small", 1, Condition(less_than=np.float64("nan")))),
        "attribute 'Employees', bin 1 ('small'): less_than is nan, not a finite number",
    ),
    "an infinite bound": (
        one_attribute(Bin("big", 1, Condition(min=np.inf))),
        "bin 1 ('big'): min is inf",
    ),
    "a missing bound": (
        one_attribute(Bin("big", 1, Condition(min=pd.NA))),
        "bin 1 ('big'): min is nan",
    ),
    "a bin with no condition": (
        one_attribute(Bin("any value", 0, Condition()), Bin("unknown", 0, Condition(missing=True))),
        "attribute 'Employees', bin 1 ('any value') has no condition",
    ),
    "an empty list of values": (
        one_attribute(Bin("none", 0, Condition(values=())), kind="category"),
        "bin 1 ('none') has no condition",
    ),
    "points beyond 64 bits": (
        one_attribute(Bin("huge", 2**63, Condition(min=1))),
        "bin 1 ('huge'): points is 9223372036854775808, beyond the 64-bit integers",
    ),
    "points that are not whole": (
        one_attribute(Bin("half", 0.5, Condition(min=1))),
        "would not read back",
    ),
    "a lone surrogate in a label": (
        one_attribute(Bin("bad \ud800 text", 1, Condition(min=1))),
        "label is not valid Unicode text",
    ),
    "a blank label": (
        one_attribute(Bin(pd.NA, 1, Condition(min=1))),
        "label has no value",
    ),
    "an infinite tier": (
        one_attribute(Bin("any", 1, Condition(min=1)), tiers=Tiers(math.inf, 1, 0)),
        "[tiers]: A is inf",
    ),
    "a NaN calibration": (
        one_attribute(Bin("any", 1, Condition(min=1)), calibration=Calibration(0, math.nan)),
        "[calibration]: slope is nan",
    ),
    "a NaN fact": (
        one_attribute(Bin("any", 1, Condition(min=1)), trained_on={"auc": np.float64("nan")}),
        "[trained_on]: auc is nan",
    ),
    "an object as a fact": (
        one_attribute(Bin("any", 1, Condition(min=1)), trained_on={"where": Path("x")}),
        "[trained_on]: where is a PosixPath",
    ),
    "a null in a list of facts": (
        one_attribute(Bin("any", 1, Condition(min=1)), trained_on={"cuts": [1, None]}),
        "[trained_on]: cuts[1] has no value",
    ),
    "an infinite rate": (
        one_attribute(Bin("any", 1, Condition(min=1), BinStats(3, 1, math.inf, 0, 1))),
        "bin 1 ('any'): win_rate is inf",
    ),
    "tiers out of order": (
        one_attribute(Bin("any", 1, Condition(min=1)), tiers=Tiers(1, 2, 3)),
        "would not read back (the written scorecard, line 11: tier bounds must satisfy",
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_a_value_no_file_can_hold_is_refused_in_one_line(tmp_path, case):
    card, message = REFUSED[case]
    path = tmp_path / "card.toml"
    path.write_text("the card written before\n", encoding="utf-8")
    with pytest.raises(IcpkitError) as refused:
        save_scorecard(card, path)
    text = str(refused.value)
    assert text.startswith(f"{path}: cannot write the scorecard: ")
    assert message in text
    assert "\n" not in text and "\r" not in text
    assert path.read_text(encoding="utf-8") == "the card written before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.toml"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    card=cards(),
    poison=st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan"), pd.NA]),
    where=st.sampled_from(["tier", "bound", "calibration", "fact"]),
)
def test_a_card_with_an_unwritable_number_never_makes_a_file(tmp_path, card, poison, where):
    if where == "tier":
        card = dataclasses.replace(card, tiers=dataclasses.replace(card.tiers, c=poison))
    elif where == "calibration":
        card = dataclasses.replace(card, calibration=Calibration(poison, 1))
    elif where == "fact":
        card = dataclasses.replace(card, trained_on={**card.trained_on, "poison": [poison]})
    else:
        first = card.attributes[0]
        bin_ = dataclasses.replace(first.bins[0], condition=Condition(min=poison, max=1))
        first = dataclasses.replace(first, bins=(bin_, *first.bins[1:]))
        card = dataclasses.replace(card, attributes=(first, *card.attributes[1:]))
    path = tmp_path / "card.toml"
    path.unlink(missing_ok=True)
    with pytest.raises(IcpkitError) as refused:
        save_scorecard(card, path)
    assert "\n" not in str(refused.value)
    assert not path.exists()


# ---- learned cards -------------------------------------------------------------------------

NUMERIC_POOLS = {
    "int8": st.integers(-128, 127),
    "uint64": st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 2**64 - 1, 2**63])),
    "int64": st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([-(2**63), 0, 1])),
    "float32": st.one_of(
        st.floats(width=32, allow_infinity=False),
        st.sampled_from([3.4e38, -3.4e38, 1e-38, 0.0, -0.0]),
    ),
    "float64": st.one_of(
        st.floats(-1e300, 1e300),
        st.sampled_from([1e300, -1e300, 1e-300, -0.0, 0.0, 80.55, math.nan]),
    ),
    "Int64": st.one_of(st.integers(-(2**62), 2**62), st.none()),  # pandas' nullable integers
}


@st.composite
def learnable_frames(draw) -> tuple[pd.DataFrame, np.ndarray]:
    """A few columns of awkward values, and outcomes that follow one of them (so the learner
    has splits to find), with some flipped, or outcomes drawn at random."""
    rows = draw(st.integers(30, 120))
    columns: dict[str, pd.Series] = {}
    for i in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["number", "number", "category", "boolean"]))
        if kind == "number":
            dtype = draw(st.sampled_from(list(NUMERIC_POOLS)))
            pool = draw(st.lists(NUMERIC_POOLS[dtype], min_size=2, max_size=8))
            values = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
            columns[f"number_{i}"] = pd.Series(values, dtype=dtype)
        elif kind == "category":
            pool = draw(st.lists(st.one_of(TEXT, st.none()), min_size=2, max_size=6))
            values = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
            name = draw(st.sampled_from(["industry", "région", 'lead "source"', "🚀"]))
            columns[name] = pd.Series(values, dtype=object)
        else:
            values = draw(st.lists(st.booleans(), min_size=rows, max_size=rows))
            columns[f"flag_{i}"] = pd.Series(values, dtype=bool)
    frame = pd.DataFrame(columns)
    if draw(st.booleans()):
        won = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)))
    else:
        follow = frame[draw(st.sampled_from(list(frame.columns)))]
        if pd.api.types.is_bool_dtype(follow):
            won = follow.to_numpy(dtype=bool)
        elif pd.api.types.is_numeric_dtype(follow):
            number = follow.astype(float)
            won = (number > number.median()).to_numpy(dtype=bool)
        else:
            text = follow.astype(str)
            won = (text <= text.sort_values().iloc[rows // 2]).to_numpy(dtype=bool)
        flips = draw(st.lists(st.integers(0, rows - 1), max_size=rows // 8))
        won = won.copy()
        won[flips] = ~won[flips]
    return frame, won


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=learnable_frames())
def test_any_card_the_learner_returns_reads_back_and_scores_alike(tmp_path, case):
    frame, won = case
    try:
        card = ScorecardLearner().fit(frame, won)
    except ValueError as error:  # degenerate input (one outcome, no usable column) is refused
        event(f"learner refused: {str(error)[:40]}")
        return
    assert_plain(card)
    path = tmp_path / "learned.toml"
    path.unlink(missing_ok=True)  # tmp_path is shared by every example
    assert not any(b.condition.is_empty() for a in card.attributes for b in a.bins)
    loaded = assert_round_trips(card, path)
    before, after = card.apply(frame), loaded.apply(frame)
    assert before.score.tolist() == after.score.tolist()
    assert before.tier.tolist() == after.tier.tolist()
    assert before.reasons() == after.reasons()


def test_a_number_column_without_signal_is_refused_not_written_as_an_empty_bin():
    """optbinning finds no split: the column has nothing to say, and a bin with no bounds
    would be a condition no file can hold, so the learner says so instead."""
    frame = pd.DataFrame({"employees": np.arange(40, dtype=np.int8)})
    with pytest.raises(ValueError, match="no usable attribute"):
        ScorecardLearner().fit(frame, np.array([True, False] * 20))


def test_a_number_column_that_is_mostly_one_value_is_binned_not_a_crash(tmp_path):
    """Nearly all zeros: the quantiles all fall on 0 and used to leave optbinning no cut (its
    bin_info then failed); the zeros are now split from the rest."""
    rng = np.random.default_rng(0)
    overdue = np.where(rng.random(2000) < 0.9, 0, rng.integers(1, 50, 2000))
    won = rng.random(2000) < np.where(overdue > 0, 0.15, 0.6)
    card = ScorecardLearner().fit(pd.DataFrame({"overdue": overdue}), won)
    assert [a.column for a in card.attributes] == ["overdue"]
    assert_round_trips(card, tmp_path / "learned.toml")
