"""Themes in notes and interviews, and whether they come with winning.

Offline and deterministic: scikit-learn's TF-IDF and non-negative matrix factorisation (NMF)
find ``n_themes`` themes among the notes' sentences, each named by its top terms; no model is
downloaded.
A unit (a deal, or an account for notes keyed by account) *mentions* a theme when a sentence
of one of its notes speaks for it (see :func:`_assign`): judged sentence by sentence, so a
note full of other themes mentions this one as readily as a short note does.

For every theme the share of won and of lost units that mention it is given with a Wilson
interval, Fisher's exact test says whether the two differ, and Holm's correction over all
themes tested decides which hold. A theme that holds and is more common in won deals fills a
row of the ICP document (the pain already paid for, the triggering event or the use case, by
the cue words of its sentences in ``note_themes.toml``), quoted in 2-3 short sentences with
their source. With no theme that holds, the rows say "not enough evidence".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd

from icpkit.errors import IcpkitError
from icpkit.stats import holm_adjust, proportion_test, wilson_interval

N_THEMES = 25
SENTENCE_MIN = 0.2  # cosine of a sentence with a theme's terms for it to speak for the theme
MIN_UNITS = 10  # a theme needs this many won + lost units mentioning it to be tested
ALPHA = 0.05
MAX_QUOTE_CHARS = 160
QUOTES = 3
ROWS = ("use_case", "pain", "trigger")
ROW_NAMES = {"use_case": "Use case", "pain": "Existing pain proof", "trigger": "Triggering event"}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass
class Theme:
    theme: int
    name: str  # its top terms, joined
    terms: list[str]
    row: str  # use_case, pain or trigger: where it would go in the document
    notes: int  # notes that mention it
    won: int  # won units that mention it
    lost: int
    share_won: float | None
    ci_won: list[float]
    share_lost: float | None
    ci_lost: list[float]
    lift: float | None  # share_won / share_lost
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    direction: str | None  # "won" or "lost" when significant
    quotes: list[dict] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ThemeReport:
    status: str  # "ok", "too_few" (not enough won and lost units) or "no_text"
    message: str
    units: dict[str, int]
    themes: list[Theme]
    rows: dict[str, list[int]]  # row -> themes that fill it, strongest first

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "message": self.message,
            "units": self.units,
            "method": f"TF-IDF + NMF ({N_THEMES} themes), Fisher's exact test won vs lost, "
            f"Holm-corrected over the themes tested, alpha {ALPHA}",
            "themes": [t.to_json() for t in self.themes],
            "rows": self.rows,
        }


def find_themes(
    linked: pd.DataFrame,
    *,
    n_themes: int = N_THEMES,
    seed: int = 0,
    cues: dict | None = None,
    sources: dict[str, str] | None = None,
) -> ThemeReport:
    """Themes of ``linked`` notes (from :func:`~icpkit.discover.notes.link_notes`) tested
    won vs lost. ``sources`` maps a unit to the words its quotes are credited to (an account
    name, say); by default the note's own source."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    cues = cues or load_cues()
    units = _unit_outcomes(linked)
    counts = {k: int((units == k).sum()) for k in ("won", "lost", "open")}
    split = _split_sentences(linked)
    if len(linked) < 2 * n_themes or len(split) < 2 * n_themes:
        return _empty("no_text", f"{len(linked)} notes: too few to find themes in", counts)
    vectoriser = TfidfVectorizer(
        stop_words="english",
        min_df=max(3, int(0.0005 * len(split))),
        max_df=0.2,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z\-]+\b",
    )
    try:
        matrix = vectoriser.fit_transform(split["text"])
    except ValueError:
        return _empty("no_text", "the notes share too few words to find themes in", counts)
    k = min(n_themes, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if k < 2:
        return _empty("no_text", "the notes share too few words to find themes in", counts)
    # Themes are found among sentences, not whole notes: a sentence is about one thing, while
    # a won deal's note mixes its use case, pain and trigger, which would blur into one theme.
    model = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    model.fit(matrix)
    components = model.components_
    vocabulary = np.array(vectoriser.get_feature_names_out())
    sentences = _assign(split, matrix, components)
    present = np.zeros((len(linked), k), dtype=bool)
    present[sentences["note"].to_numpy(), sentences["theme"].to_numpy()] = True

    unit_codes, unit_index = np.unique(linked["unit"].to_numpy(dtype=str), return_inverse=True)
    by_unit = np.zeros((len(unit_codes), k), dtype=bool)
    np.logical_or.at(by_unit, unit_index, present)
    outcome = units.reindex(unit_codes).to_numpy()
    won, lost = outcome == "won", outcome == "lost"
    n_won, n_lost = int(won.sum()), int(lost.sum())

    themes = []
    for t in range(k):
        top = vocabulary[np.argsort(components[t])[::-1][:8]].tolist()
        k_won, k_lost = int(by_unit[won, t].sum()), int(by_unit[lost, t].sum())
        themes.append(_theme(t, top, int(present[:, t].sum()), k_won, n_won, k_lost, n_lost))
    tested = [t for t in themes if t.p_value is not None]
    if tested:
        adjusted = holm_adjust(np.array([t.p_value for t in tested]))
        for theme, p in zip(tested, adjusted, strict=True):
            theme.p_adjusted = round(float(p), 6)
            theme.significant = bool(p < ALPHA)
            if theme.significant:
                # a tested theme has won and lost units, so both shares are known
                assert theme.share_won is not None and theme.share_lost is not None
                theme.direction = "won" if theme.share_won > theme.share_lost else "lost"

    for theme in themes:
        own = sentences[sentences["theme"] == theme.theme]
        theme.row = _row(own["text"].head(20).tolist(), cues)
        theme.quotes = _quotes(own, set(theme.terms), theme.direction or "won", sources)

    rows: dict[str, list[int]] = {row: [] for row in ROWS}
    for theme in sorted(themes, key=lambda t: t.p_adjusted if t.p_adjusted is not None else 1):
        if theme.direction == "won":
            rows[theme.row].append(theme.theme)
    status, message = "ok", _verdict(themes, n_won, n_lost)
    if min(n_won, n_lost) < MIN_UNITS:
        status = "too_few"
    return ThemeReport(status, message, counts, themes, rows)


def _empty(status: str, message: str, counts: dict[str, int]) -> ThemeReport:
    return ThemeReport(status, message, counts, [], {row: [] for row in ROWS})


def _unit_outcomes(linked: pd.DataFrame) -> pd.Series:
    if linked.empty:
        return pd.Series(dtype=str)
    return linked.groupby("unit")["outcome"].first()


def _theme(
    t: int, terms: list[str], notes: int, k_won: int, n_won: int, k_lost: int, n_lost: int
) -> Theme:
    share_won = k_won / n_won if n_won else None
    share_lost = k_lost / n_lost if n_lost else None
    testable = n_won > 0 and n_lost > 0 and k_won + k_lost >= MIN_UNITS
    p = proportion_test(k_won, n_won, k_lost, n_lost) if testable else None
    lift = share_won / share_lost if share_won is not None and share_lost else None
    return Theme(
        theme=t,
        name=", ".join(terms[:4]),
        terms=terms,
        row="use_case",
        notes=notes,
        won=k_won,
        lost=k_lost,
        share_won=_round(share_won),
        ci_won=[_round(x) for x in wilson_interval(k_won, n_won)],
        share_lost=_round(share_lost),
        ci_lost=[_round(x) for x in wilson_interval(k_lost, n_lost)],
        lift=_round(lift),
        p_value=None if p is None else float(p),
        p_adjusted=None,
        significant=False,
        direction=None,
    )


def _split_sentences(linked: pd.DataFrame) -> pd.DataFrame:
    """Every sentence of every note (12 characters or more), with its note's position."""
    rows = []
    for position, (text, outcome, unit, source, note) in enumerate(
        zip(
            linked["text"],
            linked["outcome"],
            linked["unit"],
            linked["source"],
            linked["note_id"],
            strict=True,
        )
    ):
        for sentence in _SENTENCE.split(str(text)):
            sentence = " ".join(sentence.split()).strip(" -*#>")
            if len(sentence) >= 12:
                rows.append((position, sentence, outcome, unit, source, note))
    return pd.DataFrame(rows, columns=["note", "text", "outcome", "unit", "source", "note_id"])


def _assign(split: pd.DataFrame, matrix, components: np.ndarray) -> pd.DataFrame:
    """The sentences that speak for a theme: the theme their words are closest to (cosine of
    the sentence's TF-IDF vector with the theme's terms), when that reaches
    :data:`SENTENCE_MIN`; strongest first. A note mentions the themes of its sentences,
    however many others it mentions too."""
    unit_vectors = components / np.maximum(np.linalg.norm(components, axis=1, keepdims=True), 1e-12)
    scores = np.asarray(matrix @ unit_vectors.T)
    frame = split.copy()
    frame["theme"] = scores.argmax(axis=1)
    frame["score"] = scores.max(axis=1)
    frame = frame[frame["score"] >= SENTENCE_MIN]
    return frame.sort_values("score", ascending=False, kind="stable")


def _quotes(
    own: pd.DataFrame, terms: set[str], direction: str, sources: dict[str, str] | None
) -> list[dict]:
    """2-3 short, different sentences from units on the theme's side (won or lost) that use
    at least two of the theme's top terms."""
    quotes: list[dict] = []
    seen: set[str] = set()
    for row in own[own["outcome"] == direction].itertuples(index=False):
        words = set(re.findall(r"[a-z][a-z\-]+", row.text.casefold()))
        if len(row.text) > MAX_QUOTE_CHARS or len(words & terms) < 2:
            continue  # too long to quote, or not about the theme in its own words
        key = re.sub(r"\d+", "N", row.text.casefold())
        if key in seen:
            continue
        seen.add(key)
        credit = (sources or {}).get(row.unit)
        quotes.append(
            {
                "text": row.text,
                "source": f"{credit}, {row.source}" if credit else row.source,
                "note_id": row.note_id,
                "unit": row.unit,
                "outcome": row.outcome,
            }
        )
        if len(quotes) == QUOTES:
            break
    return quotes


def _row(sentences: list[str], cues: dict) -> str:
    """pain, trigger or use_case: the cue list that most of the sentences hit."""
    if not sentences:
        return "use_case"
    shares = {
        row: np.mean([bool(cues[row].search(s)) for s in sentences]) for row in ("pain", "trigger")
    }
    best = max(shares, key=lambda r: shares[r])
    return best if shares[best] >= cues["min_share"] else "use_case"


def _verdict(themes: list[Theme], n_won: int, n_lost: int) -> str:
    held = [t for t in themes if t.direction == "won"]
    if min(n_won, n_lost) < MIN_UNITS:
        return (
            f"Not enough evidence: notes tie to {n_won} won and {n_lost} lost deals; at least "
            f"{MIN_UNITS} of each are needed to compare them."
        )
    if not held:
        return (
            f"Not enough evidence: no theme of {len(themes)} is more common in won than lost "
            f"deals after correction ({n_won} won, {n_lost} lost with notes)."
        )
    return (
        f"{len(held)} of {len(themes)} themes are more common in won than lost deals after "
        f"correction ({n_won} won, {n_lost} lost with notes)."
    )


def load_cues(path: Path | str | None = None) -> dict:
    """The cue words of note_themes.toml (or a file of the same shape) as compiled patterns."""
    try:
        if path is None:
            text = resources.files("icpkit.discover").joinpath("note_themes.toml").read_text()
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise IcpkitError(f"cannot read the note cues ({error})", file=path) from None
    cues: dict[str, Any] = {"min_share": float(data.get("min_share", 0.5))}
    for row in ("pain", "trigger"):
        words = [str(w).strip().lower() for w in data.get(row, {}).get("cues", []) if str(w)]
        cues[row] = _cue_pattern(words)
    return cues


def _cue_pattern(words: list[str]) -> re.Pattern:
    parts = [
        re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w) for w in words if w != "*"
    ]
    if not parts:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


@overload
def _round(value: float) -> float: ...
@overload
def _round(value: float | None) -> float | None: ...
def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)
