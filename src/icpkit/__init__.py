"""icpkit: find the Ideal Customer Profile in CRM history, score any company, prove it.

The library in a notebook (see docs/library.md)::

    import icpkit

    crm = icpkit.read_crm("crm/")                    # a folder, files, or DataFrames
    result = icpkit.build(crm)                       # card, validation, segments, profiles
    result.scorecard                                 # shows itself as a table in Jupyter
    icpkit.score(result.scorecard, leads, id="account_id")
    icpkit.to_sql(result.scorecard, "duckdb", "analytics.accounts")
    icpkit.ScorecardClassifier(max_attributes=6)     # a scikit-learn estimator

Every public name is loaded on first use (PEP 562), so ``import icpkit`` costs about a
millisecond and imports neither pandas nor scikit-learn: a command line answers ``--help`` at
once, and a notebook pays for the learner only when it learns.

``icpkit.build``, ``icpkit.score`` and ``icpkit.simulate`` are also the names of submodules
(``from icpkit.build import build_icp`` keeps working). Such a submodule is callable: calling
it calls the function of the same name in :mod:`icpkit.api`, so ``icpkit.build(crm)`` works
whether or not something imported ``icpkit.build`` before.
"""

import sys

# `typing` alone would cost more than the rest of this file: the checkers' idiom instead.
TYPE_CHECKING = False

__version__ = "0.1.0"

# Public name -> the module that defines it, imported on first use.
_LAZY = {
    "read_crm": "icpkit.api",
    "build": "icpkit.api",
    "score": "icpkit.api",
    "to_sql": "icpkit.api",
    "evaluate": "icpkit.api",
    "simulate": "icpkit.api",
    "Scorecard": "icpkit.scorecard.model",
    "load_scorecard": "icpkit.scorecard.io",
    "save_scorecard": "icpkit.scorecard.io",
    "ScorecardClassifier": "icpkit.scorecard.estimator",
    "BuildResult": "icpkit.results",
    "IngestResult": "icpkit.ingest.canonical",
    "SimulatedCRM": "icpkit.simulate.generator",
    "IcpkitError": "icpkit.errors",
    "NoUsableAttribute": "icpkit.scorecard.learn",
}
# Submodules that share their name with a function of the API.
_CALLABLE_SUBMODULES = ("build", "score", "simulate")

__all__ = [
    "BuildResult",
    "IcpkitError",
    "IngestResult",
    "NoUsableAttribute",
    "Scorecard",
    "ScorecardClassifier",
    "SimulatedCRM",
    "__version__",
    "build",
    "evaluate",
    "load_scorecard",
    "read_crm",
    "save_scorecard",
    "score",
    "simulate",
    "to_sql",
]

if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

    from icpkit.api import build, evaluate, read_crm, score, simulate, to_sql
    from icpkit.errors import IcpkitError
    from icpkit.ingest.canonical import IngestResult
    from icpkit.results import BuildResult
    from icpkit.scorecard.estimator import ScorecardClassifier
    from icpkit.scorecard.io import load_scorecard, save_scorecard
    from icpkit.scorecard.learn import NoUsableAttribute
    from icpkit.scorecard.model import Scorecard
    from icpkit.simulate.generator import SimulatedCRM


if TYPE_CHECKING:
    _Module = ModuleType
else:
    # The type of a module, without importing `types` (sys is a module).
    _Module = type(sys)


def _import(name: str) -> "ModuleType":
    """``importlib.import_module`` for absolute names, without importing importlib."""
    __import__(name)
    return sys.modules[name]


class _CallableModule(_Module):
    """A submodule named like an API function: calling it calls :mod:`icpkit.api`'s function
    of that name; every attribute stays the module's own."""

    def __call__(self, *args: "Any", **kwargs: "Any") -> "Any":
        function = getattr(_import("icpkit.api"), self.__name__.rpartition(".")[2])
        return function(*args, **kwargs)


class _Package(_Module):
    """The ``icpkit`` package. The import system binds a submodule to its package with
    ``setattr`` once loaded; binding ``build``, ``score`` or ``simulate`` makes it callable."""

    def __setattr__(self, name: str, value: "Any") -> None:
        if name in _CALLABLE_SUBMODULES and type(value) is _Module:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> "Any":
    if name in _CALLABLE_SUBMODULES:
        # Importing the submodule binds it here, callable (see _Package).
        return _import(f"{__name__}.{name}")
    home = _LAZY.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import(home), name)
    globals()[name] = value  # found once; later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
