"""Why the simulated deals were won and lost: competitors, loss-reason details and notes.

Drawn after the sales history, from a random stream of its own (``default_rng([seed, 21])``),
so every table the simulator wrote before keeps its exact values. Because outcomes are already
decided, what is planted here is written conditional on them, which is what a CRM observes:

- a **defending competitor** (``phrases.DEFENDER``) sits on most lost deals in one segment
  (``DEFENDED_INDUSTRY``) and on few won ones there, and on a small share of deals elsewhere
  alike; four background competitors appear on deals whatever the outcome;
- **loss-reason details** (free text, as a rep types them) follow the anti-ICP: small companies
  lose for fit (structural), the procurement-heavy industry to process, the rest mostly to
  execution (timing, no decision, no follow-up, price);
- **notes** on a share of deals carry a planted use case, a planted pain and a planted trigger
  more often in won deals, three noise themes as often in won as in lost deals, filler, and
  sometimes the loss detail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from icpkit.simulate import phrases

if TYPE_CHECKING:
    from icpkit.simulate.accounts import AccountTraits
    from icpkit.simulate.deals import DealPlan

STREAM = 21  # the second word of this module's seed: default_rng([seed, STREAM])
DEFENDED_INDUSTRY = "Government"
PROCUREMENT_INDUSTRY = "Education"
DEFENDER_SHARE = {"lost": 0.8, "won": 0.15, "elsewhere": 0.02}
BACKGROUND_COMPETITOR_SHARE = 0.45
STRUCTURAL_SHARE = 0.7  # of anti-ICP losses, the share lost for fit or process, not execution
MISSING_FEATURE_SHARE = 0.12  # of other losses
BLANK_DETAIL_SHARE = 0.15  # losses where the rep left the detail empty
NOTE_SHARE = {"closed": 0.6, "open": 0.3}
LOSS_DETAIL_IN_NOTE = 0.4


def draw_winloss(
    seed: int, traits: AccountTraits, deals: DealPlan, deal_ids: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Per deal ``competitor`` and ``lost_reason_detail``; the notes; and their truth."""
    rng = np.random.default_rng([seed, STREAM])
    outcome = deals.outcome
    industry = traits.industry[deals.account]
    competitor = _competitors(rng, outcome, industry)
    reason, detail = _loss_details(rng, traits, deals, competitor)
    details = pd.DataFrame(
        {
            "deal_id": pd.array(deal_ids, dtype="str"),
            "competitor": pd.array(competitor, dtype="str"),
            "lost_reason_detail": pd.array(detail, dtype="str"),
        }
    )
    notes, themes = _notes(rng, traits, deals, deal_ids, detail)
    lost = outcome == "lost"
    truth = {
        "defended": {
            "competitor": phrases.DEFENDER,
            "segment": [{"attribute": "industry", "values": [DEFENDED_INDUSTRY]}],
            "shares": dict(DEFENDER_SHARE),
        },
        "background_competitors": list(phrases.BACKGROUND_COMPETITORS),
        "loss_reasons": {
            "rule": "fewer than 20 employees: bad_fit; Education: procurement; "
            f"{DEFENDED_INDUSTRY} with {phrases.DEFENDER}: competitor "
            f"(each {STRUCTURAL_SHARE:.0%} of their losses); elsewhere mostly execution",
            "planted": {r: int(((reason == r) & lost).sum()) for r in sorted(set(reason[lost]))},
        },
        "notes": {
            "count": len(notes),
            "planted_themes": {
                name: {
                    "row": spec["row"],
                    "key_terms": list(spec["key_terms"]),
                    "share_won": spec["share_won"],
                    "share_lost": spec["share_lost"],
                }
                for name, spec in phrases.PLANTED_THEMES.items()
            },
            "noise_themes": {
                name: {"key_terms": list(spec["key_terms"]), "share": spec["share"]}
                for name, spec in phrases.NOISE_THEMES.items()
            },
            "deals_with_theme": themes,
        },
    }
    return details, notes, truth


def _competitors(rng: np.random.Generator, outcome: np.ndarray, industry: np.ndarray) -> np.ndarray:
    n = len(outcome)
    background = np.array(phrases.BACKGROUND_COMPETITORS, dtype=object)
    named = rng.random(n) < BACKGROUND_COMPETITOR_SHARE
    # None makes an object array; numpy's stubs accept no None in np.where.
    picked = background[rng.integers(0, len(background), n)]
    competitor = np.where(named, picked, None)  # type: ignore[call-overload]
    defended = industry == DEFENDED_INDUSTRY
    share = np.where(
        defended & (outcome == "lost"),
        DEFENDER_SHARE["lost"],
        np.where(defended, DEFENDER_SHARE["won"], DEFENDER_SHARE["elsewhere"]),
    )
    competitor[rng.random(n) < share] = phrases.DEFENDER
    return competitor.astype(object)


def _loss_details(
    rng: np.random.Generator, traits: AccountTraits, deals: DealPlan, competitor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The reason each lost deal was lost (planted), and the detail text the rep typed."""
    n = len(deals.account)
    lost = deals.outcome == "lost"
    industry = traits.industry[deals.account]
    small = traits.anti_icp_small[deals.account]
    draw = rng.random(n)
    execution = np.array(phrases.EXECUTION_REASONS, dtype=object)[
        rng.choice(len(phrases.EXECUTION_REASONS), n, p=phrases.EXECUTION_WEIGHTS)
    ]
    reason = execution.copy()
    other = ~small & ~np.isin(industry, (DEFENDED_INDUSTRY, PROCUREMENT_INDUSTRY))
    reason[other & (draw < MISSING_FEATURE_SHARE)] = "missing_feature"
    named = np.array([c is not None for c in competitor])
    lost_to_background = other & named & (competitor != phrases.DEFENDER) & (draw > 0.9)
    reason[lost_to_background] = "competitor"
    structural = draw < STRUCTURAL_SHARE
    process = np.isin(industry, (DEFENDED_INDUSTRY, PROCUREMENT_INDUSTRY))
    reason[process] = np.where(structural[process], "procurement", execution[process])
    reason[small] = np.where(structural[small], "bad_fit", execution[small])
    reason[(industry == DEFENDED_INDUSTRY) & (competitor == phrases.DEFENDER)] = "defended"
    reason[~lost] = None

    pick = rng.integers(0, 1_000_000, n)
    size = traits.employees[deals.account]
    blank = rng.random(n) < BLANK_DETAIL_SHARE
    detail = np.full(n, None, dtype=object)
    for i in np.flatnonzero(lost & ~blank):
        options = phrases.LOSS_DETAILS[reason[i]]
        detail[i] = options[pick[i] % len(options)].format(
            competitor=competitor[i] or "another vendor", n=int(size[i])
        )
    reason[reason == "defended"] = "competitor"
    return reason, detail


def _notes(
    rng: np.random.Generator,
    traits: AccountTraits,
    deals: DealPlan,
    deal_ids: np.ndarray,
    detail: np.ndarray,
) -> tuple[pd.DataFrame, dict]:
    """One note for a share of deals: filler, the themes drawn for it, maybe the loss detail."""
    outcome = deals.outcome
    n = len(outcome)
    closed = outcome != "open"
    has_note = rng.random(n) < np.where(closed, NOTE_SHARE["closed"], NOTE_SHARE["open"])
    won = outcome == "won"
    mentions: dict[str, np.ndarray] = {}
    for name, spec in phrases.PLANTED_THEMES.items():
        # Open deals have no outcome yet: they mention a theme at the average of the two rates.
        share = np.where(
            won,
            spec["share_won"],
            np.where(closed, spec["share_lost"], (spec["share_won"] + spec["share_lost"]) / 2),
        )
        mentions[name] = rng.random(n) < share
    for name, spec in phrases.NOISE_THEMES.items():
        mentions[name] = rng.random(n) < spec["share"]
    catalogue = {**phrases.PLANTED_THEMES, **phrases.NOISE_THEMES}
    with_detail = rng.random(n) < LOSS_DETAIL_IN_NOTE
    fillers = 1 + rng.binomial(2, 0.5, n)
    day = deals.created + rng.integers(0, np.maximum(deals.cycle, 1) + 1)

    rows = []
    for i in np.flatnonzero(has_note):
        sentences = [_pick(rng, phrases.FILLER) for _ in range(fillers[i])]
        sentences += [
            _pick(rng, catalogue[name]["sentences"]) for name in mentions if mentions[name][i]
        ]
        if with_detail[i] and detail[i] is not None:
            sentences.append(str(detail[i]))
        rng.shuffle(sentences)
        kind = "win-loss review" if closed[i] and rng.random() < 0.3 else "call notes"
        rows.append((deal_ids[i], traits.ids[deals.account[i]], kind, day[i], " ".join(sentences)))
    width = max(6, len(str(len(rows))))
    frame = pd.DataFrame(rows, columns=["deal_id", "account_id", "kind", "day", "text"])
    notes = pd.DataFrame(
        {
            "note_id": pd.array([f"NOTE-{i:0{width}d}" for i in range(1, len(rows) + 1)]),
            "deal_id": pd.array(frame["deal_id"], dtype="str"),
            "account_id": pd.array(frame["account_id"], dtype="str"),
            "kind": pd.array(frame["kind"], dtype="str"),
            "written_at": pd.Series(
                frame["day"]
                .to_numpy(dtype=np.int64)
                .astype("datetime64[D]")
                .astype("datetime64[us]")
            ),
            "text": pd.array(frame["text"], dtype="str"),
        }
    )
    themes = {name: int((flags & has_note).sum()) for name, flags in mentions.items()}
    return notes, themes


def _pick(rng: np.random.Generator, sentences: tuple[str, ...]) -> str:
    sentence = sentences[int(rng.integers(0, len(sentences)))]
    return sentence.format(n=int(rng.integers(2, 40)))
