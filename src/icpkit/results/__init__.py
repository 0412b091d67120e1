"""The typed results of a build: what ``validation.json``, ``segments.json``, ``profiles.json``,
``personas.json`` and ``triggers.json`` hold, as frozen dataclasses.

Each record's ``to_json()`` is exactly what its file holds (the files are a public contract,
see DESIGN.md), and ``from_json()`` reads it back: ``Record.from_json(r.to_json()) == r``. The
build makes them from what discovery and validation computed; the report, the server, the CLI
and a notebook read them, and :func:`read_build` gives the same records from a build folder.

The JSON shapes of the outcome profiles, best vs worst customers, the intersection, trade-offs,
clusters and win/loss analysis are documented in ``docs/discovery.md`` and held as JSON
objects (:data:`JsonObject`).

Each file's records have a module of their own: :mod:`~icpkit.results.validation`,
:mod:`~icpkit.results.profiles` (segments.json and profiles.json),
:mod:`~icpkit.results.personas` and :mod:`~icpkit.results.triggers`;
:mod:`~icpkit.results.build` reads a build folder, and :mod:`~icpkit.results.record` is how
every record converts to and from JSON. Import them from here:
``from icpkit.results import Validation``.
"""

from icpkit.results.build import (
    FILES,
    MOTIONS_FILE,
    REQUIRED_FILES,
    BuildResult,
    read_build,
    read_primary_segment,
    read_result,
)
from icpkit.results.personas import (
    CommitteeMember,
    Comparison,
    ContactData,
    DecisionMakingUnit,
    LevelShare,
    Persona,
    Personas,
    SegmentPersonas,
    SeniorityShare,
    SizeRate,
)
from icpkit.results.profiles import (
    AttributeProfile,
    ColumnTest,
    DetectableEffect,
    Facts,
    PrimaryFacts,
    ProfileBin,
    Profiles,
    SearchSummary,
    Segment,
    SegmentCondition,
    Segments,
    TargetList,
)
from icpkit.results.record import (
    IF_SET,
    Interval,
    Json,
    JsonObject,
    Record,
    ResultError,
    along_with,
)
from icpkit.results.triggers import (
    PriorityMatrix,
    SignalData,
    TimingCheck,
    Trigger,
    Triggers,
    WindowPoint,
)
from icpkit.results.validation import (
    CalibrationGroup,
    CalibrationTable,
    Engagement,
    EngagementMatrix,
    Evaluation,
    GainsPoint,
    Lift,
    MatrixCell,
    Rate,
    Recency,
    SignalVerdict,
    Split,
    SplitPart,
    ThreeXRule,
    Validation,
)

__all__ = [
    "FILES",
    "IF_SET",
    "MOTIONS_FILE",
    "REQUIRED_FILES",
    "AttributeProfile",
    "BuildResult",
    "CalibrationGroup",
    "CalibrationTable",
    "ColumnTest",
    "CommitteeMember",
    "Comparison",
    "ContactData",
    "DecisionMakingUnit",
    "DetectableEffect",
    "Engagement",
    "EngagementMatrix",
    "Evaluation",
    "Facts",
    "GainsPoint",
    "Interval",
    "Json",
    "JsonObject",
    "LevelShare",
    "Lift",
    "MatrixCell",
    "Persona",
    "Personas",
    "PrimaryFacts",
    "PriorityMatrix",
    "ProfileBin",
    "Profiles",
    "Rate",
    "Recency",
    "Record",
    "ResultError",
    "SearchSummary",
    "Segment",
    "SegmentCondition",
    "SegmentPersonas",
    "Segments",
    "SeniorityShare",
    "SignalData",
    "SignalVerdict",
    "SizeRate",
    "Split",
    "SplitPart",
    "TargetList",
    "ThreeXRule",
    "TimingCheck",
    "Trigger",
    "Triggers",
    "Validation",
    "WindowPoint",
    "along_with",
    "read_build",
    "read_primary_segment",
    "read_result",
]
