"""Scoring a 10-million-row universe: icpkit score against the machine's limit and a pandas peer.

    .venv/bin/python benchmarks/scale.py            # 10,000,000 rows (about 4 minutes)
    .venv/bin/python benchmarks/scale.py --rows 1000000
    .venv/bin/python benchmarks/scale.py --csv --skip-pandas --repeat 3   # CSV too, 3 turns

One run measures, each in its own process (peak memory is that process's VmHWM, its peak RSS):

* **copy**: DuckDB copying the universe Parquet to a new Parquet file, untouched. Reading and
  writing the file is all it does: the physical limit of any scorer on this machine.
* **icpkit score**: ``icpkit.score.score_file`` (what ``icpkit score`` runs), Parquet in,
  Parquet out: id, icp_score, icp_tier, icp_disqualified, icp_reasons.
* **icpkit sql in DuckDB**: the card compiled by ``icpkit.sql`` and run by DuckDB as
  ``COPY (SELECT ...) TO`` a Parquet file: the warehouse path.
* **pandas + scikit-learn**: how a user would otherwise do it: read the columns into pandas,
  a ``ColumnTransformer`` of ``FunctionTransformer``s turning each attribute into its points,
  then score, tier and top-3 reasons with vectorised pandas, written to Parquet.

The universe is generated in chunks by a vectorised generator (numpy), with the distributions
of the simulator: log-normal company sizes, weighted industries, countries and regions, funding
stages, technology stacks of 2-9 tools. Every output is checked to have one row per input row.

``--repeat N`` runs every contender N times, taking turns (A B C A B C ...), so a change in the
machine's load falls on all of them alike: the seconds are medians, "x copy" the median of each
turn's ratio to the copy, and peak memory the largest of the N.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK = 1_000_000
INDUSTRIES = ["Software", "Financial Services", "Healthcare", "Manufacturing", "Retail",
              "Education", "Media", "Logistics", "Energy", "Telecommunications", "Insurance",
              "Real Estate", "Government", "Nonprofit", "Consulting", "Biotech"]  # fmt: skip
INDUSTRY_WEIGHTS = np.array([16, 10, 9, 9, 8, 6, 5, 5, 4, 4, 4, 4, 3, 3, 6, 4], float)
COUNTRIES = ["US", "GB", "DE", "FR", "CA", "NL", "AU", "IN", "BR", "SE", "ES", "IT", "JP", "SG"]
COUNTRY_WEIGHTS = np.array([40, 9, 8, 6, 6, 3, 4, 6, 4, 2, 3, 3, 4, 2], float)
REGION_OF = {"US": "North America", "CA": "North America", "BR": "Latin America",
             "IN": "Asia Pacific", "JP": "Asia Pacific", "SG": "Asia Pacific",
             "AU": "Asia Pacific"}  # fmt: skip
STAGES = ["bootstrapped", "pre_seed", "seed", "series_a", "series_b", "series_c",
          "series_d_plus", "public", "private_equity", ""]  # fmt: skip
STAGE_WEIGHTS = np.array([20, 6, 12, 10, 8, 5, 4, 8, 7, 20], float)
TOOLS = ["Salesforce", "HubSpot", "Snowflake", "dbt", "Segment", "AWS", "Google Cloud",
         "Azure", "Slack", "Jira", "Zendesk", "Intercom", "Tableau", "Looker", "SAP"]  # fmt: skip

CARD = """
name = "Benchmark card (seed playbook plus industry and country)"
[tiers]
unit = "points"
A = 6
B = 4
C = 2

[[attributes]]
name = "Company size"
column = "employees"
kind = "numeric"
bins = [ { min = 50, max = 200, points = 2 }, { min = 201, max = 500, points = 1 },
         { less_than = 50, points = 0 } ]

[[attributes]]
name = "Funding stage"
column = "funding_stage"
kind = "category"
bins = [ { values = ["series_a", "series_b", "series_c"], points = 1 },
         { values = ["series_d_plus", "public"], points = -1 } ]

[[attributes]]
name = "Tech stack match"
column = "technologies"
kind = "list"
bins = [ { values = ["Snowflake", "dbt", "Segment"], points = 2 } ]

[[attributes]]
name = "Hiring in revenue ops"
column = "hiring_revops_60d"
kind = "boolean"
bins = [ { values = [true], points = 1 } ]

[[attributes]]
name = "North America"
column = "region"
kind = "category"
bins = [ { values = ["North America"], points = 1 } ]

[[attributes]]
name = "Industry"
column = "industry"
kind = "category"
bins = [ { values = ["Software", "Financial Services"], points = 2 },
         { values = ["Government", "Nonprofit"], points = -2 } ]

[[attributes]]
name = "Revenue"
column = "annual_revenue"
kind = "numeric"
bins = [ { min = 5000000, max = 200000000, points = 1 }, { missing = true, points = 0 } ]

[[disqualifiers]]
column = "employees"
kind = "numeric"
min = 1001
reason = "over 1,000 employees"
"""


# ---- the universe ------------------------------------------------------------------------------


def _chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    employees = np.clip(np.rint(rng.lognormal(3.6, 1.5, n)), 1, 500_000).astype(np.int64)
    industry = rng.choice(len(INDUSTRIES), n, p=INDUSTRY_WEIGHTS / INDUSTRY_WEIGHTS.sum())
    country = rng.choice(len(COUNTRIES), n, p=COUNTRY_WEIGHTS / COUNTRY_WEIGHTS.sum())
    regions = np.array([REGION_OF.get(c, "Europe") for c in COUNTRIES], dtype=object)
    revenue = employees * rng.lognormal(11.8, 0.6, n)
    revenue[rng.random(n) < 0.15] = np.nan  # revenue unknown for some companies
    stage = rng.choice(len(STAGES), n, p=STAGE_WEIGHTS / STAGE_WEIGHTS.sum())
    stacks = _stacks(rng)
    technologies = rng.integers(0, len(stacks), n)

    def text(values: list[str], codes: np.ndarray) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), values).cast(pa.string())

    return pa.table(
        {
            "account_id": pa.array(np.arange(start, start + n, dtype=np.int64)),
            "name": pa.array([f"Company {i}" for i in range(start, start + n)], pa.string()),
            "employees": employees,
            "annual_revenue": pa.array(revenue, mask=np.isnan(revenue)),
            "industry": text(INDUSTRIES, industry),
            "country": text(COUNTRIES, country),
            "region": text(list(regions), country),
            "funding_stage": text(STAGES, stage),
            "technologies": text(stacks, technologies),
            "hiring_revops_60d": rng.random(n) < 0.12,
            "founded_year": rng.integers(1950, 2024, n),
        }
    )


def _stacks(rng: np.random.Generator, count: int = 3000) -> list[str]:
    stacks = []
    for _ in range(count):
        k = int(rng.integers(2, 10))
        stacks.append(";".join(rng.choice(TOOLS, k, replace=False)))
    return stacks


def make_universe(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    writer = None
    for start in range(0, rows, CHUNK):
        table = _chunk(rng, start, min(CHUNK, rows - start))
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table, row_group_size=256 * 1024)
    assert writer is not None
    writer.close()


# ---- the contenders (each runs in a child process) ---------------------------------------------

COPY = """
import duckdb
duckdb.sql("SET enable_progress_bar = false")
duckdb.sql("COPY (SELECT * FROM read_parquet('{universe}')) TO '{out}' (FORMAT parquet)")
"""

COPY_CSV = """
import duckdb
duckdb.sql("SET enable_progress_bar = false")
duckdb.sql("COPY (SELECT * FROM read_csv('{universe}')) TO '{out}' (FORMAT csv)")
"""

ICPKIT = """
from pathlib import Path
from icpkit.score import score_file
score_file(Path('{card}'), Path('{universe}'), Path('{out}'))
"""

ICPKIT_SQL = """
import duckdb
from icpkit.scorecard.io import load_scorecard
from icpkit.sql import to_sql
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE VIEW universe AS SELECT * FROM read_parquet('{universe}')")
select = to_sql(load_scorecard('{card}'), 'universe', 'duckdb')
con.execute(f"COPY ({{select}}) TO '{out}' (FORMAT parquet)")
"""

PANDAS = """
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

frame = pd.read_parquet('{universe}', columns=['account_id', 'employees', 'funding_stage',
    'technologies', 'hiring_revops_60d', 'region', 'industry', 'annual_revenue'])

def size(x):
    e = x.iloc[:, 0]
    return np.select([e.between(50, 200), e.between(201, 500)], [2, 1], 0).reshape(-1, 1)

def stage(x):
    s = x.iloc[:, 0].str.strip().str.lower()
    return np.select([s.isin(['series_a', 'series_b', 'series_c']),
                      s.isin(['series_d_plus', 'public'])], [1, -1], 0).reshape(-1, 1)

def stack(x):
    t = ';' + x.iloc[:, 0].str.lower().str.replace(' ', '') + ';'
    hit = t.str.contains(';snowflake;|;dbt;|;segment;', regex=True).fillna(False)
    return np.where(hit, 2, 0).reshape(-1, 1)

def hiring(x):
    return np.where(x.iloc[:, 0].fillna(False), 1, 0).reshape(-1, 1)

def north_america(x):
    return np.where(x.iloc[:, 0] == 'North America', 1, 0).reshape(-1, 1)

def industry(x):
    i = x.iloc[:, 0]
    return np.select([i.isin(['Software', 'Financial Services']),
                      i.isin(['Government', 'Nonprofit'])], [2, -2], 0).reshape(-1, 1)

def revenue(x):
    r = x.iloc[:, 0]
    return np.where(r.between(5e6, 2e8), 1, 0).reshape(-1, 1)

names = ['Company size', 'Funding stage', 'Tech stack match', 'Hiring in revenue ops',
         'North America', 'Industry', 'Revenue']
points = ColumnTransformer([
    ('size', FunctionTransformer(size), ['employees']),
    ('stage', FunctionTransformer(stage), ['funding_stage']),
    ('stack', FunctionTransformer(stack), ['technologies']),
    ('hiring', FunctionTransformer(hiring), ['hiring_revops_60d']),
    ('na', FunctionTransformer(north_america), ['region']),
    ('industry', FunctionTransformer(industry), ['industry']),
    ('revenue', FunctionTransformer(revenue), ['annual_revenue']),
])
p = Pipeline([('points', points)]).fit_transform(frame)
raw = p.sum(axis=1)
low, high = -3, 10
score = (200 * (raw - low) + (high - low)) // (2 * (high - low))
dq = frame['employees'] > 1000
tier = np.select([dq, raw >= 6, raw >= 4, raw >= 2], ['D', 'A', 'B', 'C'], 'D')
order = np.argsort(-np.abs(p), axis=1, kind='stable')[:, :3]
parts = []
for r in range(3):
    j = order[:, r]
    pts = np.take_along_axis(p, order[:, r:r + 1], axis=1)[:, 0]
    signed = pd.Series(pts).map('{{:+d}}'.format)
    text = pd.Series(np.array(names, dtype=object)[j]) + ' (' + signed + ')'
    parts.append(text.where(pts != 0, ''))
reasons = parts[0].str.cat([parts[1], parts[2]], sep='; ').str.strip('; ')
reasons = np.where(dq, 'DQ: over 1,000 employees; ', '') + reasons
pd.DataFrame({{'account_id': frame['account_id'], 'icp_score': score, 'icp_tier': tier,
               'icp_disqualified': dq, 'icp_reasons': reasons}}).to_parquet('{out}', index=False)
"""


# Appended to every contender: its own peak resident memory. VmHWM belongs to the process
# image after exec, so it does not include the benchmark process it was started from (a
# child's ru_maxrss would: Linux carries the parent's pages over the fork).
PEAK = """
for line in open('/proc/self/status'):
    if line.startswith('VmHWM:'):
        print('PEAK_KB', int(line.split()[1]))
"""


def _child(name: str, code: str, **paths: Path) -> tuple[float, float]:
    """Run a contender in a fresh process: its seconds and its peak memory in MB."""
    script = textwrap.dedent(code).format(**{k: str(v) for k, v in paths.items()}) + PEAK
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-2000:]}")
    peak_kb = next(int(x.split()[1]) for x in done.stdout.splitlines() if x.startswith("PEAK_KB"))
    return seconds, peak_kb / 1024


def run(name: str, code: str, **paths: Path) -> dict:
    seconds, peak_mb = _child(name, code, **paths)
    rows = pq.read_metadata(paths["out"]).num_rows
    return {"name": name, "seconds": seconds, "peak_mb": peak_mb, "rows": rows}


def in_turns(contenders: list[tuple[str, str]], repeat: int, run_one) -> list[dict]:
    """Each contender ``repeat`` times, taking turns; per contender the median seconds, the
    largest peak and ``x_first``, the median of its ratio to the first contender's run of
    the same turn. ``run_one(name, code)`` runs one and returns its figures."""
    runs: dict[str, list[dict]] = {name: [] for name, _ in contenders}
    for _ in range(repeat):
        for name, code in contenders:
            runs[name].append(run_one(name, code))
    first = runs[contenders[0][0]]
    return [
        {
            "name": name,
            "seconds": statistics.median(r["seconds"] for r in runs[name]),
            "peak_mb": max(r["peak_mb"] for r in runs[name]),
            "x_first": statistics.median(
                r["seconds"] / f["seconds"] for r, f in zip(runs[name], first, strict=True)
            ),
        }
        for name, _ in contenders
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the pandas peer")
    parser.add_argument(
        "--csv", action="store_true", help="also score the universe as CSV, against a CSV copy"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each contender, taking turns (medians)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="icpkit-scale-") as tmp:
        folder = Path(tmp)
        universe, card = folder / "universe.parquet", folder / "card.toml"
        card.write_text(CARD)
        started = time.perf_counter()
        make_universe(universe, args.rows, args.seed)
        size_mb = universe.stat().st_size / 1e6
        print(f"universe: {args.rows:,} rows, {size_mb:,.0f} MB Parquet, "
              f"generated in {time.perf_counter() - started:.1f} s")  # fmt: skip
        contenders = [("DuckDB copy (the limit)", COPY), ("icpkit score", ICPKIT),
                      ("icpkit sql in DuckDB", ICPKIT_SQL)]  # fmt: skip
        if not args.skip_pandas:
            contenders.append(("pandas + scikit-learn", PANDAS))
        out = folder / "out.parquet"

        def run_one(name: str, code: str) -> dict:
            result = run(name, code, universe=universe, card=card, out=out)
            assert result["rows"] == args.rows, (name, result["rows"])
            out.unlink()
            return result

        results = in_turns(contenders, args.repeat, run_one)
        if args.csv:
            csv_results = _csv_rows(folder, universe, card, args.rows, args.repeat)
    icpkit = results[1]["seconds"]
    print(f"\n{'contender':<26}{'seconds':>9}{'x copy':>8}{'x icpkit':>10}{'peak MB':>9}"
          f"{'rows/s':>12}")  # fmt: skip
    for r in results:
        print(f"{r['name']:<26}{r['seconds']:>9.1f}{r['x_first']:>8.2f}"
              f"{r['seconds'] / icpkit:>10.2f}{r['peak_mb']:>9,.0f}"
              f"{args.rows / r['seconds']:>12,.0f}")  # fmt: skip
    print(f"\nicpkit score: {results[1]['x_first']:.2f}x the plain copy (goal: at most 2x), "
          f"peak {results[1]['peak_mb']:,.0f} MB (goal: under 1,500 MB)")  # fmt: skip
    if args.csv:
        size_mb, (copy_csv, score_csv) = csv_results
        print(f"CSV ({size_mb:,.0f} MB): DuckDB CSV copy {copy_csv['seconds']:.1f} s, "
              f"peak {copy_csv['peak_mb']:,.0f} MB; icpkit score {score_csv['seconds']:.1f} s "
              f"({score_csv['x_first']:.2f}x), peak {score_csv['peak_mb']:,.0f} MB")  # fmt: skip


def _csv_rows(
    folder: Path, universe: Path, card: Path, rows: int, repeat: int
) -> tuple[float, list[dict]]:
    """The same universe as CSV: DuckDB copying it to a new CSV, and icpkit scoring it. The
    CSV's size in MB, and the two contenders' figures (:func:`in_turns`)."""
    import duckdb

    csv = folder / "universe.csv"
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{universe}')) TO '{csv}' (FORMAT csv)")

    def run_one(name: str, code: str) -> dict:
        result = _run_csv(name, code, universe=csv, card=card, out=folder / "out.csv")
        assert result["rows"] == rows, result
        return result

    contenders = [("DuckDB CSV copy", COPY_CSV), ("icpkit score CSV", ICPKIT)]
    return csv.stat().st_size / 1e6, in_turns(contenders, repeat, run_one)


def _run_csv(name: str, code: str, **paths: Path) -> dict:
    seconds, peak_mb = _child(name, code, **paths)
    with paths["out"].open("rb") as handle:
        rows = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1
    paths["out"].unlink()
    return {"name": name, "seconds": seconds, "peak_mb": peak_mb, "rows": rows}


if __name__ == "__main__":
    main()
