"""The scorecard as one SELECT: points, score, tier, disqualifier and reasons, like Python.

The statement is built as a sqlglot tree of nested derived tables, each adding one step:

1. ``_icp_read``: each column the card reads, read as its attribute kind reads it;
2. ``_icp_points``: per attribute, the points of the first bin that matches, and that bin's
   reason text (``"Company size: 50-200 (+2)"``); the first matching disqualifier's reason;
3. ``_icp_ranked``: the raw sum of points, and each attribute's place when attributes are
   ordered by absolute points, ties in card order (Python's stable argsort);
4. ``_icp_scored``: the 0-100 score and the reason texts of the top three places;
5. the outer SELECT: id, ``icp_score``, ``icp_tier``, ``icp_disqualified``, ``icp_reasons``.

Every identifier is quoted, so a column called ``select`` or ``Number of "Employees"`` is safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from icpkit import bounds, inputs
from icpkit.scorecard.model import Attribute, Scorecard
from icpkit.sql import derive, numbers
from icpkit.sql.reading import matches, number, read_value, text

TOP_REASONS = 3  # ScoredFrame.reasons(top=3)


def name(identifier: str) -> exp.Identifier:
    return exp.to_identifier(identifier, quoted=True)


def ref(identifier: str) -> exp.Column:
    return exp.Column(this=name(identifier))


def _paren(expression: exp.Expression | exp.Condition) -> exp.Paren:
    return exp.Paren(this=expression)


def _sum(terms: Sequence[exp.Expression]) -> exp.Expression:
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=term)
    return _paren(total) if len(terms) > 1 else total


def _first_match(
    tests: Sequence[tuple[exp.Condition | None, exp.Expression]],
) -> tuple[list[exp.If], exp.Expression | None]:
    """CASE branches for tests tried in order (None: never matches); a test that always
    holds ends the CASE as its ELSE."""
    branches: list[exp.If] = []
    for test, result in tests:
        if test is None:
            continue
        if isinstance(test, exp.Boolean):
            return branches, result
        branches.append(exp.If(this=test, true=result))
    return branches, None


def _case(branches: list[exp.If], default: exp.Expression) -> exp.Expression:
    return exp.Case(ifs=branches, default=default) if branches else default


def _bin_tests(
    attribute: Attribute, value_of: Mapping[tuple[str, str], exp.Expression]
) -> list[exp.Condition | None]:
    """Per bin, the SQL test that a row falls in it: a pair row's bin needs both columns to
    match (None: never; true: always)."""
    value = value_of[(attribute.column, attribute.kind)]
    tests = [matches(value, attribute.kind, b.condition) for b in attribute.bins]
    if not attribute.is_pair:
        return tests
    value2 = value_of[(attribute.column2, attribute.kind2)]
    out: list[exp.Condition | None] = []
    for test, condition2 in zip(tests, attribute.conditions2(), strict=True):
        test2 = matches(value2, attribute.kind2, condition2)
        if test is None or test2 is None:
            out.append(None)
        elif isinstance(test, exp.Boolean):
            out.append(test2)
        elif isinstance(test2, exp.Boolean):
            out.append(test)
        else:
            out.append(exp.and_(_paren(test), _paren(test2)))
    return out


def _attribute_columns(
    attribute: Attribute, value_of: Mapping[tuple[str, str], exp.Expression]
) -> tuple[exp.Expression, exp.Expression]:
    """The points and the reason text of the bin the row falls in (0 and '' when none)."""
    tests = _bin_tests(attribute, value_of)
    points = [(t, number(b.points)) for t, b in zip(tests, attribute.bins, strict=True)]
    branches, default = _first_match(points)
    points_sql = _case(branches, default or number(0))
    reasons = [
        (t, text(f"{attribute.name}: {b.label} ({b.points:+d})" if b.points else ""))
        for t, b in zip(tests, attribute.bins, strict=True)
    ]
    branches, default = _first_match(reasons)
    return points_sql, _case(branches, default or text(""))


def _disqualifier(
    card: Scorecard, value_of: Mapping[tuple[str, str], exp.Expression]
) -> exp.Expression:
    branches: list[exp.If] = []
    for rule in card.disqualifiers:
        test = matches(value_of[(rule.column, rule.kind)], rule.kind, rule.condition)
        if test is None:
            continue
        reason = text(f"DQ: {rule.reason}")
        if isinstance(test, exp.Boolean):
            return _case(branches, reason)
        branches.append(exp.If(this=test, true=reason))
    return _case(branches, text(""))


def _rank(points: Sequence[exp.Expression], j: int) -> exp.Expression:
    """How many attributes sort before attribute j: larger |points|, or equal and earlier."""
    mine = exp.Abs(this=points[j])
    terms: list[exp.Expression] = [number(0)]
    for k, other in enumerate(points):
        if k == j:
            continue
        theirs = exp.Abs(this=other)
        before = exp.GTE if k < j else exp.GT
        test = before(this=theirs, expression=mine)
        terms.append(exp.Case(ifs=[exp.If(this=test, true=number(1))], default=number(0)))
    return _sum(terms)


def _score(card: Scorecard, raw: exp.Expression) -> exp.Expression:
    """floor((200 * (raw - low) + span) / (2 * span)): Scorecard.apply's half-up rounding.

    The division is exact enough: numerator and denominator are small integers, so the float
    quotient is never off by more than it takes to cross an integer."""
    low, high = card.point_range()
    span = max(high - low, 1)
    numerator = _paren(
        exp.Add(
            this=exp.Mul(this=number(200), expression=raw),
            expression=number(span - 200 * low),
        )
    )
    quotient = exp.Div(this=numerator, expression=exp.Literal.number(f"{2 * span}.0"))
    return exp.Cast(this=exp.Floor(this=quotient), to=exp.DataType.build("bigint"))


def _tier(card: Scorecard, basis: exp.Expression, disqualified: exp.Expression) -> exp.Expression:
    t = card.tiers
    return exp.Case(
        ifs=[
            exp.If(this=disqualified, true=text("D")),
            exp.If(this=exp.GTE(this=basis, expression=number(t.a)), true=text("A")),
            exp.If(this=exp.GTE(this=basis, expression=number(t.b)), true=text("B")),
            exp.If(this=exp.GTE(this=basis, expression=number(t.c)), true=text("C")),
        ],
        default=text("D"),
    )


def _not_blank(value: exp.Expression) -> exp.Expression:
    return exp.NEQ(this=value, expression=text(""))


def _concat(*parts: exp.Expression) -> exp.Expression:
    joined = parts[0]
    for part in parts[1:]:
        joined = exp.DPipe(this=joined, expression=part, safe=True)
    return joined


def _reasons(
    dq: exp.Expression, places: Sequence[exp.Expression], notes: Sequence[exp.Expression]
) -> exp.Expression:
    """DQ reason, the top places' texts, then the out-of-range notes, joined by '; ' (places
    are filled in order, so a place after the first has a text before it when it has one)."""
    parts = [dq]
    for r, place in enumerate(places):
        before = exp.and_(_not_blank(dq), _not_blank(place)) if r == 0 else _not_blank(place)
        separator = exp.Case(ifs=[exp.If(this=before, true=text("; "))], default=text(""))
        parts += [separator, place]
    earlier = [dq, *places[:1]]
    for note in notes:
        anything = exp.or_(*(_not_blank(e) for e in earlier))
        before = exp.and_(_not_blank(note), exp.Paren(this=anything))
        separator = exp.Case(ifs=[exp.If(this=before, true=text("; "))], default=text(""))
        parts += [separator, note]
        earlier.append(note)
    return _concat(*parts)


# Engines whose planner would pull each step into the next, copying a label's key (hundreds
# of REPLACEs) and lookups (a thousand branches) into every test that reads them: minutes to
# plan in PostgreSQL, to prepare in SQLite. OFFSET 0 keeps each step its own.
FENCED = ("postgres", "redshift", "sqlite", "duckdb")


# Dialects without WITH inside a derived table (T-SQL; sqlglot moves Spark's to the top, where
# the statement would no longer start with SELECT): their key stages nest, which they parse.
NESTED_KEY_STAGES = ("tsql", "spark")


def _fenced(select: exp.Select, dialect: str) -> exp.Select:
    return select.offset(0, copy=False) if dialect in FENCED else select


def _derived_table(select: exp.Select, alias: str, dialect: str) -> exp.Subquery:
    """``(select) AS alias``, fenced where the planner needs it (:data:`FENCED`)."""
    return _fenced(select, dialect).subquery(name(alias))


def _bounded(value: exp.Expression, column: str) -> tuple[exp.Expression, exp.Expression]:
    """A number out of its column's range (icpkit.bounds) as NULL, and the reason text."""
    low, high = bounds.limits(column)
    outside = exp.or_(
        exp.LT(this=value, expression=number(low)), exp.GT(this=value, expression=number(high))
    )
    known = exp.Case(ifs=[exp.If(this=outside, true=exp.Null())], default=value)
    note = exp.Case(ifs=[exp.If(this=outside, true=text(bounds.note(column)))], default=text(""))
    return known, note


def _source(
    card: Scorecard, table: exp.Table, id_column: str, dialect: str, present: list[str]
) -> tuple[exp.Select, dict[str, exp.Expression], dict[str, exp.Expression]]:
    """Step 0, ``_icp_source``: the id, each raw column the card reads as it is, and the key
    of each raw column a lookup reads (icpkit.inputs), built over a chain of common table
    expressions ``_icp_key_stage1``, ... (icpkit.sql.derive.key_stages) inside this derived
    table: flat, where nested SELECTs would overflow SQLite's parser. Returns the SELECT
    and, per raw column, a reference to its value and to its key."""
    raw: dict[str, str] = {}
    keys: dict[str, str] = {}
    for item_column, item_kind in card.column_kinds():
        reads = inputs.derivation(item_column, item_kind).reads
        if _is_lookup(item_column, item_kind):
            for column in (r for r in reads if r in present and r not in keys):
                keys[column] = f"_icp_key{len(keys)}"
        elif item_column in present and item_column not in raw:
            raw[item_column] = f"_icp_c{len(raw)}"
    source = exp.select(ref(id_column).as_(name("_icp_id"), quoted=True)).from_(table)
    for column, alias in raw.items():
        source = source.select(ref(column).as_(name(alias), quoted=True), copy=False)
    stages = derive.key_stages(dialect) if keys else []
    for column, alias in keys.items():
        source = source.select(stages[0](ref(column)).as_(name(alias), quoted=True), copy=False)
    ctes: list[tuple[str, exp.Select]] = []
    for depth, stage in enumerate(stages[1:], start=1):
        alias = f"_icp_key_stage{depth}"
        if dialect in NESTED_KEY_STAGES:
            inner: exp.Expression = _derived_table(source, alias, dialect)
        else:
            ctes.append((alias, _fenced(source, dialect)))
            inner = exp.Table(this=name(alias))
        source = exp.select(ref("_icp_id"), *(ref(a) for a in raw.values())).from_(inner)
        for key_alias in keys.values():
            source = source.select(stage(ref(key_alias)).as_(name(key_alias), quoted=True))
    for alias, stage_select in ctes:
        source = source.with_(name(alias), as_=stage_select, copy=False)
    return (
        source,
        {column: ref(alias) for column, alias in raw.items()},
        {column: ref(alias) for column, alias in keys.items()},
    )


def _is_lookup(column: str, kind: str) -> bool:
    return column in derive.LOOKUPS and kind == "category"


def build_select(
    card: Scorecard,
    table: exp.Table,
    id_column: str,
    dialect: str,
    lists: str = "text",
    columns: Sequence[str] | None = None,
    text_numbers: Sequence[str] = (),
) -> exp.Select:
    """The scoring SELECT over ``table`` (see the module docstring for its steps).
    ``columns``: the table's columns (None: exactly those the card reads). ``text_numbers``:
    numeric columns stored as text, read as ``icpkit score`` reads them (icpkit.sql.numbers)."""
    present = list(card.columns if columns is None else columns)
    source, raw, keys = _source(card, table, id_column, dialect, present)
    as_text = {c: raw[c].name for c in text_numbers if c in raw}
    source, number_of = numbers.read_text_numbers(source, as_text, dialect, _derived_table)
    read = exp.select(ref("_icp_id")).from_(_derived_table(source, "_icp_source", dialect))
    aliases: dict[tuple[str, str], str] = {}
    notes: dict[str, str] = {}
    for column, kind in card.column_kinds():
        if (column, kind) in aliases:
            continue
        alias = aliases[(column, kind)] = f"_icp_v{len(aliases)}"
        if _is_lookup(column, kind):
            present_keys = {
                r: k for r, k in keys.items() if r in inputs.derivation(column, kind).reads
            }
            value = (
                derive.derived_value(column, present_keys, dialect) if present_keys else exp.Null()
            )
        elif column in raw:
            stored = number_of.get(column, raw[column]) if kind == "numeric" else raw[column]
            value = read_value(stored, kind, lists, dialect)
            if kind == "numeric":
                value, note = _bounded(value, column)
                if column not in notes:
                    notes[column] = f"_icp_n{len(notes)}"
                    read = read.select(note.as_(name(notes[column]), quoted=True), copy=False)
        else:
            value = exp.Null()
        read = read.select(value.as_(name(alias), quoted=True), copy=False)
    value_of = {key: ref(alias) for key, alias in aliases.items()}
    # the reasons' order: the card's columns, as Python's ScoredFrame.notes
    note_refs = [ref(notes[c]) for c in card.columns if c in notes]

    n = len(card.attributes)
    points = exp.select(ref("_icp_id"), *note_refs).from_(
        _derived_table(read, "_icp_read", dialect)
    )
    for j, attribute in enumerate(card.attributes):
        p, reason = _attribute_columns(attribute, value_of)
        points = points.select(
            p.as_(name(f"_icp_p{j}")), reason.as_(name(f"_icp_t{j}")), copy=False
        )
    points = points.select(_disqualifier(card, value_of).as_(name("_icp_dq")), copy=False)

    p_refs = [ref(f"_icp_p{j}") for j in range(n)]
    ranked = exp.select(
        ref("_icp_id"), ref("_icp_dq"), *note_refs, _sum(p_refs).as_(name("_icp_raw"))
    ).from_(_derived_table(points, "_icp_points", dialect))
    for j in range(n):
        ranked = ranked.select(
            p_refs[j], ref(f"_icp_t{j}"), _rank(p_refs, j).as_(name(f"_icp_k{j}"))
        )

    scored = exp.select(
        ref("_icp_id"),
        ref("_icp_dq"),
        *note_refs,
        ref("_icp_raw"),
        _score(card, ref("_icp_raw")).as_(name("_icp_score")),
    ).from_(_derived_table(ranked, "_icp_ranked", dialect))
    for r in range(min(TOP_REASONS, n)):
        branches = [
            exp.If(
                this=exp.and_(
                    exp.NEQ(this=ref(f"_icp_p{j}"), expression=number(0)),
                    exp.EQ(this=ref(f"_icp_k{j}"), expression=number(r)),
                ),
                true=ref(f"_icp_t{j}"),
            )
            for j in range(n)
        ]
        scored = scored.select(_case(branches, text("")).as_(name(f"_icp_r{r}")), copy=False)

    dq = ref("_icp_dq")
    disqualified = _not_blank(dq)
    basis = ref("_icp_raw") if card.tiers.unit == "points" else ref("_icp_score")
    flag: exp.Expression = disqualified
    if dialect == "tsql":  # T-SQL has no boolean values, only predicates: return a BIT
        flag = exp.Cast(
            this=exp.Case(ifs=[exp.If(this=disqualified, true=number(1))], default=number(0)),
            to=exp.DataType.build("boolean"),
        )
    places = [ref(f"_icp_r{r}") for r in range(min(TOP_REASONS, n))]
    final = exp.select(
        ref("_icp_id").as_(name(id_column)),
        ref("_icp_score").as_(name("icp_score")),
        _tier(card, basis, disqualified).as_(name("icp_tier")),
        flag.as_(name("icp_disqualified")),
        _reasons(dq, places, note_refs).as_(name("icp_reasons")),
    ).from_(_derived_table(scored, "_icp_scored", dialect))
    return final
