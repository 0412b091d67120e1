"""Typed build results read back what they write: ``Record.from_json(r.to_json()) == r`` for
every record (Hypothesis), the files of a build are exactly the records' JSON, and a file of the
wrong shape is a one-line error that says where."""

from __future__ import annotations

import json
import types
from dataclasses import fields, replace
from typing import Union, get_args, get_origin

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icpkit.discover.personas import find_personas, no_contacts
from icpkit.discover.roles import ColumnRole, ColumnRoles
from icpkit.discover.triggers import find_triggers, no_signals
from icpkit.errors import IcpkitError
from icpkit.jsonsafe import dumps, finite
from icpkit.results import (
    FILES,
    Evaluation,
    Json,
    Personas,
    Profiles,
    Record,
    ResultError,
    Segment,
    Segments,
    Triggers,
    Validation,
    read_result,
)
from icpkit.results.record import _OMIT_WITH, _hints
from icpkit.timing import TimingModel, timing_from_dict

TEXT = st.text(max_size=8)
NUMBERS = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
TIMING = st.builds(
    TimingModel,
    weights=st.dictionaries(st.sampled_from(["funding", "job_post", "web_visit"]), st.floats(0, 1)),
    half_life_days=st.floats(1, 1000),
    horizon_days=st.integers(0, 400),
    default_weight=st.floats(0, 1),
    bucket_1_min=st.floats(50, 100),
    bucket_2_min=st.floats(0, 50),
    trained_on=st.dictionaries(st.sampled_from(["closed_deals", "source"]), TEXT, max_size=2),
).map(lambda model: timing_from_dict(model.to_dict()))  # the model as its file holds it
ROLES = st.lists(
    st.builds(ColumnRole, column=TEXT, role=TEXT, reason=TEXT, overridden=st.booleans()),
    max_size=3,
).map(ColumnRoles)


def strategy(hint) -> st.SearchStrategy:
    """Values of a record field's type, records drawn field by field."""
    if hint is Json:
        return JSON
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return st.none() | st.one_of([strategy(a) for a in inner])
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy(args[0]), max_size=2).map(tuple)
        return st.tuples(*(strategy(a) for a in args))
    if origin is dict:
        return st.dictionaries(TEXT, strategy(args[1]), max_size=2)
    if hint is Segments:
        return st.lists(strategy(Segment), max_size=2).map(lambda s: Segments(items=tuple(s)))
    known = {float: NUMBERS, int: st.integers(-(2**53), 2**53), str: TEXT, bool: st.booleans()}
    if hint in known:
        return known[hint]
    if hint is TimingModel:
        return TIMING
    if hint is ColumnRoles:
        return ROLES
    hints = _hints(hint)
    drawn = {f.name: st.deferred(lambda h=hints[f.name]: strategy(h)) for f in fields(hint)}
    return st.builds(hint, **drawn).map(_as_written)


def _as_written(record: Record) -> Record:
    """A value that rides on another key (``lift_crude`` on ``ci_crude``) is only ever set
    when that key is written."""
    for f in fields(record):
        other = f.metadata.get(_OMIT_WITH)
        if other and getattr(record, other) is None:
            record = replace(record, **{f.name: f.default})
    return record


RECORDS = [Validation, Evaluation, Segments, Profiles, Personas, Triggers]


@pytest.mark.parametrize("kind", RECORDS, ids=lambda k: k.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_record_reads_back_what_it_writes(kind, data):
    record = data.draw(strategy(kind))
    written = record.to_json()
    assert kind.from_json(written) == record
    # and through the text of a file
    assert kind.from_json(json.loads(dumps(written))) == record


def test_discovery_outputs_of_every_status_are_typed_without_loss(demo_crm):
    """What find_personas and find_triggers return, ok, insufficient or without a table, is
    read into records whose JSON is that output, key for key and in order."""
    deals = demo_crm.deals
    few = deals[deals["account_id"].isin(deals["account_id"].unique()[:15])]
    outputs = [
        (Personas, no_contacts()),
        (Personas, find_personas(deals, demo_crm.contacts)),
        (Personas, find_personas(few, demo_crm.contacts)),
        (Triggers, no_signals()),
        (Triggers, find_triggers(deals, demo_crm.signals)),
        (Triggers, find_triggers(few, demo_crm.signals)),
    ]
    statuses = {(kind.__name__, found["status"]) for kind, found in outputs}
    assert statuses == {
        (name, status)
        for name in ("Personas", "Triggers")
        for status in ("no_data", "ok", "insufficient")
    }
    for kind, found in outputs:
        plain = finite(found)
        assert dumps(kind.from_json(plain).to_json()) == dumps(plain)


def test_a_build_folder_is_exactly_the_results_json(build_dir, demo_build):
    """The files are the records' JSON, byte for byte, and read back to the same records."""
    for name, (file, kind) in FILES.items():
        path = build_dir / file
        assert path.read_text(encoding="utf-8") == dumps(getattr(demo_build, name).to_json())
        assert read_result(path, kind) == getattr(demo_build, name)


def test_a_file_of_the_wrong_shape_says_where(build_dir, tmp_path):
    data = json.loads((build_dir / "validation.json").read_text())
    data["tiers"]["A"]["won"] = "many"
    broken = tmp_path / "validation.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(IcpkitError) as error:
        read_result(broken, Validation)
    assert str(error.value) == (
        f"{broken}: not what icpkit build writes: tiers.A.won: expected a whole number, "
        'found "many"'
    )
    data["tiers"]["A"]["won"] = 3
    del data["split"]
    with pytest.raises(ResultError, match="'split' is missing"):
        Validation.from_json(data)
    broken.write_text("{")
    with pytest.raises(IcpkitError, match=r"validation\.json, line 1, column 2: not valid JSON"):
        read_result(broken, Validation)


def test_a_record_holds_its_own_copy_of_the_json(build_dir):
    data = json.loads((build_dir / "profiles.json").read_text())
    profiles = Profiles.from_json(data)
    data["intersection"]["outcomes"].append("changed")
    assert "changed" not in profiles.intersection["outcomes"]
    written = profiles.to_json()
    written["intersection"]["outcomes"].append("changed")
    assert "changed" not in profiles.intersection["outcomes"]


def test_a_value_json_cannot_hold_is_refused_at_the_build_boundary():
    """The build passes discovery's output through jsonsafe.finite; a NumPy number that
    escaped it would be refused, not written as something else."""
    import numpy as np

    with pytest.raises(ResultError, match=r"outcome_profiles\.n: int64 is not a JSON value"):
        Profiles.from_json(
            {
                "base_win_rate": 0.2,
                "segments_tried": 1,
                "primary_icp": None,
                "facts": {"accounts": 1, "closed_deals": 1, "won": 1, "lost": 0},
                "outcome_profiles": {"n": np.int64(3)},
            }
        )


def test_the_package_exports_the_typed_result():
    import icpkit
    from icpkit.results import BuildResult

    assert icpkit.BuildResult is BuildResult


def test_the_primary_segment_reads_from_either_file(build_dir, demo_build):
    from icpkit.results import read_primary_segment

    primary = demo_build.profiles.primary_icp
    assert read_primary_segment(build_dir / "profiles.json") == primary
    first = next(s for s in demo_build.segments.icp if s.significant)
    assert read_primary_segment(build_dir / "segments.json") == first
