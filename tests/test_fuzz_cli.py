"""Whatever a user sends, the commands answer: random bytes, CSVs and scorecards thrown at
score, ingest, inspect, validate, sql and build through the command line.

Each run must end in exit 0 or in the documented error exit (2, one line naming the file),
never a traceback or a numpy warning; every row read comes out of score, and ingest accounts
for every row (rows read = accepted + quarantined). Bounded in time: a few dozen examples per
property, no deadline per example, the whole file well under a minute.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import traceback
import warnings
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from icpkit.cli import app
from icpkit.errors import IcpkitError

ROOT = Path(__file__).resolve().parents[1]
SEED_CARD = ROOT / "examples" / "seed-scorecard.toml"
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
runner = CliRunner()


def run(*args: object) -> tuple[int, str, str]:
    """The command as `icpkit` runs it: an IcpkitError is the one-line error exit 2 (what
    icpkit.cli.main prints); any other exception, or a RuntimeWarning, fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = runner.invoke(app, [str(a) for a in args])
    error = result.exception
    if isinstance(error, IcpkitError):
        message = f"error: {error}"
        assert "\n" not in message.strip(), message
        return 2, result.stdout, message
    if error is not None and not isinstance(error, SystemExit):
        trace = "".join(traceback.format_exception(error))
        raise AssertionError(f"icpkit {' '.join(map(str, args))} crashed:\n{trace}")
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


# ---- cells, rows and files --------------------------------------------------------------

NUMBERS = st.sampled_from(
    [
        "9" * 309,
        "1e400",
        "-1e400",
        "inf",
        "-inf",
        "nan",
        "NaN",
        "-5000",
        "(1,000)",
        "1,2,3",
        "1.234,5",
        "51-200",
        "1,000+",
        "$2.5M",
        "€3,5 Mio",
        "10B",
        "0",
        "-0",
        "1e18",
        "2" * 25,
        "0x1F",
        "12.800",
    ]
)
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)
CELL = st.one_of(
    NUMBERS,
    TEXT,
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "US", "Germany", "Software", "series_a", "<img src=x>", "=1+1"]),
)
COLUMNS = ["employees", "annual_revenue", "country", "industry", "funding_stage", "technologies"]


@st.composite
def accounts_csv(draw) -> tuple[bytes, int, str]:
    """(file bytes, data rows, suffix): a header of card columns and odd ones, then rows of
    odd cells, written in an encoding and compression users bring."""
    columns = [
        draw(st.sampled_from(COLUMNS)),
        *draw(st.lists(st.sampled_from([*COLUMNS, "notes", "employees "]), max_size=4)),
    ]
    header = ["account_id", *columns]
    rows = draw(st.integers(1, 8))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for i in range(rows):
        writer.writerow([f"a{i}", *(draw(CELL) for _ in columns)])
    text = out.getvalue()
    # a bare carriage return in a cell the writer left unquoted ends a record, as in every
    # CSV reader: the file's rows are the records a CSV reader finds, blank ones aside
    records = list(csv.reader(io.StringIO(text, newline="")))[1:]
    rows = sum(1 for r in records if r and not (len(r) == 1 and not r[0].strip()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252"]))
    data = text.encode(encoding, errors="replace")
    suffix = ".csv"
    if draw(st.booleans()) and rows > 0:
        data, suffix = gzip.compress(data), ".csv.gz"
    return data, rows, suffix


def ingest_counts(folder: Path) -> dict:
    return json.loads((folder / "ingest.json").read_text())["files"]["accounts"]


@FUZZ
@given(accounts_csv())
def test_score_and_ingest_take_any_csv(tmp_path_factory, case):
    data, rows, suffix = case
    folder = tmp_path_factory.mktemp("csv")
    source = folder / f"accounts{suffix}"
    source.write_bytes(data)
    out = folder / "scored.csv"
    code, _, message = run("score", "--scorecard", SEED_CARD, "--input", source, "--out", out)
    assert code in (0, 2), message
    event(f"score exit {code}")
    if code == 2:
        assert str(source) in message
    else:
        scored = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert len(scored) == rows  # every row in comes out
        scores = scored["icp_score"].astype(int)
        assert scores.between(0, 100).all()
        assert set(scored["icp_tier"]) <= set("ABCD")
    code, _, message = run("ingest", "--accounts", source, "--out", folder / "ingested")
    assert code in (0, 2), message
    if code == 0:
        counts = ingest_counts(folder / "ingested")
        assert counts["rows_read"] == rows
        assert counts["rows_read"] == counts["accepted"] + counts["quarantined"]


@FUZZ
@given(
    st.binary(max_size=600),
    st.sampled_from([".csv", ".csv.gz", ".xlsx", ".parquet", ".json", ".toml"]),
)
def test_random_bytes_are_refused_in_one_line_or_read(tmp_path_factory, data, suffix):
    folder = tmp_path_factory.mktemp("bytes")
    source = folder / f"input{suffix}"
    source.write_bytes(data)
    code, _, message = run(
        "score", "--scorecard", SEED_CARD, "--input", source, "--out", folder / "o.csv"
    )
    assert code in (0, 2), message
    code, _, message = run("ingest", "--accounts", source, "--out", folder / "ingested")
    assert code in (0, 2), message
    if code == 0:
        counts = ingest_counts(folder / "ingested")
        assert counts["rows_read"] == counts["accepted"] + counts["quarantined"]
    code, _, message = run("inspect", source)  # bytes as a scorecard
    assert code in (0, 2), message
    if code == 2:
        assert str(source) in message


# ---- scorecards -------------------------------------------------------------------------

ANY_NUMBER = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([0, 1, 50, 100, 101, -1, 10_000, 10_001, 2**63 - 1, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, 0.5]),
)
FIELD = st.one_of(ANY_NUMBER, st.booleans(), TEXT, st.lists(TEXT, max_size=3))


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string, as JSON writes it


VALUES = st.sampled_from(["US", "DE", "Software", "Retail", "series_a", "true", "<b>", ""])


@st.composite
def bins(draw, kind: str, wild: bool, trouble: bool = False) -> str:
    """A bins list: ``wild``, any number anywhere; otherwise what a person would write, so
    that most such cards load and get scored (``trouble``: but for one out-of-bounds
    number of points)."""
    number = ANY_NUMBER if wild else st.integers(0, 1000)
    out = []
    for _ in range(draw(st.integers(1, 4))):
        points = draw(ANY_NUMBER if wild else st.integers(-5, 5))
        if trouble and not out:
            points = draw(st.sampled_from([2**63 - 1, -(2**63), 10_001, 10**9]))
        fields: dict[str, object] = {"points": points}
        if kind == "numeric":
            keys = draw(
                st.lists(
                    st.sampled_from(["min", "max", "less_than"]),
                    unique=True,
                    min_size=int(not wild),
                )
            )
            cuts = sorted(draw(number) for _ in keys) if not wild else [draw(number) for _ in keys]
            if "min" in keys and not wild:  # min first, then the upper bound
                keys = ["min", *(k for k in keys if k != "min")]
            fields.update(zip(keys, cuts, strict=True))
            if not wild and "max" in keys and "less_than" in keys:
                del fields["less_than"]
        else:
            fields["values"] = draw(st.lists(VALUES if not wild else TEXT, min_size=1, max_size=3))
        if draw(st.booleans()):
            fields[draw(st.sampled_from(["missing", "other"]))] = True
        if wild and draw(st.integers(0, 3)) == 0:
            fields[draw(st.sampled_from(["accounts", "won", "win_rate", "label"]))] = draw(FIELD)
        out.append("{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in fields.items()) + " }")
    return "bins = [\n  " + ",\n  ".join(out) + "\n]\n"


@st.composite
def cards(draw) -> str:
    wild = draw(st.booleans())
    trouble = not wild and draw(st.integers(0, 3)) == 0  # one number out of bounds
    text = ""
    if draw(st.integers(0, 3)) == 0:
        slope, intercept = draw(ANY_NUMBER), draw(ANY_NUMBER)
        text += f"[calibration]\nintercept = {toml_value(intercept)}\nslope = {toml_value(slope)}\n"
    if draw(st.booleans()):
        unit = draw(st.sampled_from(["score", "points"]))
        if wild:
            bounds = [draw(ANY_NUMBER) for _ in range(3)]
        else:
            bounds = sorted((draw(st.integers(0, 100)) for _ in range(3)), reverse=True)
            if trouble and draw(st.booleans()):
                bounds[draw(st.integers(0, 2))] = draw(st.sampled_from([500, math.nan, -1e300]))
        text += f'[tiers]\nunit = "{unit}"\n'
        text += "".join(f"{n} = {toml_value(b)}\n" for n, b in zip("ABC", bounds, strict=True))
    for _ in range(draw(st.integers(1, 3))):
        column = draw(st.sampled_from(COLUMNS))
        kind = "numeric" if column in ("employees", "annual_revenue") else "category"
        if wild and draw(st.integers(0, 3)) == 0:
            kind = draw(st.sampled_from(["numeric", "list", "boolean", "nonsense"]))
        text += f'\n[[attributes]]\ncolumn = "{column}"\nkind = "{kind}"\n'
        text += draw(bins(kind, wild, trouble and "tiers" not in text))
    if draw(st.booleans()):
        column = draw(st.sampled_from(["employees", "annual_revenue"]))
        text += f'\n[[disqualifiers]]\ncolumn = "{column}"\nkind = "numeric"\n'
        text += f"min = {toml_value(draw(ANY_NUMBER if wild else st.integers(0, 10**9)))}\n"
    if wild and draw(st.integers(0, 4)) == 0:  # a cut-off file
        text = text[: draw(st.integers(0, len(text)))]
    return text


@pytest.fixture(scope="module")
def flat_deals(tmp_path_factory) -> Path:
    """Twenty closed deals, one row per account, with card columns written as users do."""
    path = tmp_path_factory.mktemp("flat") / "deals.csv"
    lines = ["account_id,employees,annual_revenue,country,industry,funding_stage,Status"]
    sizes = ["12", "51-200", "1,500", "9" * 40, "", "-3", "300", "80", "5000", "1e400"]
    for i in range(20):
        lines.append(
            f"a{i},{sizes[i % 10]},${i + 1}M,{'US' if i % 3 else 'DE'},"
            f"{'Software' if i % 2 else 'Retail'},series_a,{'Won' if i % 3 else 'Lost'}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


@FUZZ
@given(cards())
def test_any_card_is_refused_in_one_line_or_scores_in_range(tmp_path_factory, flat_deals, text):
    folder = tmp_path_factory.mktemp("card")
    card = folder / "card.toml"
    card.write_text(text, encoding="utf-8")
    code, _, message = run("inspect", card, "--json")
    assert code in (0, 2), message
    event(f"inspect exit {code}")
    if code == 2:
        assert str(card) in message
        for command in (
            ("score", "--scorecard", card, "--input", flat_deals, "--out", folder / "s.csv"),
            ("sql", "--scorecard", card, "--dialect", "duckdb", "--table", "accounts"),
        ):
            assert run(*command)[0] == 2  # a card inspect refuses, every command refuses
        return
    out = folder / "scored.csv"
    code, _, message = run("score", "--scorecard", card, "--input", flat_deals, "--out", out)
    assert code in (0, 2), message
    event(f"score exit {code}")
    if code == 0:
        scored = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert len(scored) == 20
        assert scored["icp_score"].astype(int).between(0, 100).all()
    code, sql, message = run("sql", "--scorecard", card, "--dialect", "duckdb", "--table", "t")
    assert code == 0, message
    frame = pd.DataFrame({"account_id": ["a", "b"], "employees": [10.0, 1e300]})
    frame["annual_revenue"] = [1e6, math.inf]
    for column in ("country", "industry", "funding_stage", "technologies"):
        frame[column] = ["US", None]
    con = duckdb.connect()
    con.register("t", frame)
    result = con.execute(sql.rstrip().rstrip(";")).fetchdf()  # no overflow in DuckDB
    assert result["icp_score"].between(0, 100).all()
    code, _, message = run(
        "validate", "--scorecard", card, "--accounts", flat_deals,
        "--outcome", "Status", "--positive", "Won",
    )  # fmt: skip
    assert code in (0, 2), message


# ---- build on a few rows ----------------------------------------------------------------


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.integers(0, 2**32 - 1), st.integers(4, 40))
def test_build_on_small_random_tables(tmp_path_factory, seed, rows):
    import random

    draw = random.Random(seed)
    lines = ["account_id,employees,industry,Status"]
    for i in range(rows):
        size = draw.choice(["12", "51-200", "9" * 30, "", "-3", "300", "1e400", "5000"])
        industry = draw.choice(["Software", "Retail", "", "<b>x</b>"])
        lines.append(f"a{i},{size},{industry},{draw.choice(['Won', 'Lost'])}")
    folder = tmp_path_factory.mktemp("build")
    source = folder / "deals.csv"
    source.write_text("\n".join(lines) + "\n")
    code, _, message = run(
        "build", "--accounts", source, "--outcome", "Status", "--positive", "Won",
        "--out", folder / "out",
    )  # fmt: skip
    assert code in (0, 2), message
    event(f"build exit {code}")
    if code == 0:
        counts = ingest_counts(folder / "out")
        assert counts["rows_read"] == rows == counts["accepted"] + counts["quarantined"]


def test_build_when_no_attribute_splits_the_deals(tmp_path):
    """Thirty deals where no condition is worth searching: the segment search had nothing to
    count and raised a reshape ValueError; the build now finishes."""
    import random

    draw = random.Random(4)
    lines = ["account_id,employees,industry,Status"]
    for i in range(30):
        size, industry = draw.randint(1, 900), draw.choice(["x", "y"])
        lines.append(f"a{i},{size},{industry},{draw.choice(['Won', 'Lost'])}")
    source = tmp_path / "deals.csv"
    source.write_text("\n".join(lines) + "\n")
    code, _, message = run(
        "build", "--accounts", source, "--outcome", "Status", "--positive", "Won",
        "--out", tmp_path / "out",
    )  # fmt: skip
    assert code == 0, message
