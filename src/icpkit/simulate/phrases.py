"""What reps and interviewers write, as plain data: the sentences of simulated call notes,
win/loss reviews and loss-reason details, grouped by what they are about.

A theme is a set of sentences that share their words (the planted pain: money and hours spent
reconciling spreadsheets by hand; the planted trigger: an audit and a board deadline; the
planted use case: pipeline forecasting), so a topic model can find it without being told.
Noise themes are written the same way but appear as often in won deals as in lost ones.
Every sentence is written for this simulator; ``{n}`` is filled with a number.
"""

from __future__ import annotations

# Themes that come with winning (share of won and lost deals whose notes mention them).
PLANTED_THEMES: dict[str, dict] = {
    "use_case": {
        "row": "use_case",
        "share_won": 0.55,
        "share_lost": 0.22,
        "key_terms": ("forecast", "pipeline", "dashboards", "territory", "forecasting"),
        "sentences": (
            "Main use is pipeline forecasting for the weekly sales leadership review.",
            "They want one forecast that rolls up pipeline across every territory.",
            "Looking for territory dashboards and a weekly pipeline forecast.",
            "Need the forecast call to run off live pipeline instead of rep guesses.",
            "Plan is to forecast bookings from pipeline stages for each territory.",
            "Sales leadership wants pipeline dashboards and a commit forecast every Monday.",
            "Use case: weekly pipeline review and a quarterly forecast by territory.",
        ),
    },
    "pain": {
        "row": "pain",
        "share_won": 0.45,
        "share_lost": 0.14,
        "key_terms": ("reconcile", "spreadsheets", "manual", "contractors", "hours"),
        "sentences": (
            "They pay two contractors to reconcile spreadsheets by hand.",
            "Finance spends {n} hours each close reconciling spreadsheets manually.",
            "Currently paying contractors to reconcile the spreadsheet exports manually.",
            "Manual spreadsheet reconciliation costs them a full-time hire.",
            "Analysts lose {n} hours every close reconciling spreadsheets by hand.",
            "They budget for contractors just to reconcile the spreadsheets.",
            "Manual reconciliation of spreadsheets eats {n} contractor hours.",
        ),
    },
    "trigger": {
        "row": "trigger",
        "share_won": 0.40,
        "share_lost": 0.12,
        "key_terms": ("audit", "board", "deadline", "findings", "auditors"),
        "sentences": (
            "After a failed audit the board set a deadline to fix reporting.",
            "Since the audit findings landed the board wants a fix by the deadline.",
            "The board set a deadline after the auditors flagged their reporting.",
            "Hard deadline from the board following the audit findings.",
            "Audit findings in the spring, and the board gave them a deadline of one quarter.",
            "Following the audit, the board made this a deadline item for the new CFO.",
        ),
    },
}

# Themes as common in lost deals as in won ones: a method that reports them is fooled.
NOISE_THEMES: dict[str, dict] = {
    "offsite": {
        "share": 0.22,
        "key_terms": ("offsite", "holiday", "calendar", "kickoff"),
        "sentences": (
            "Kickoff may slip because the team is at an offsite next month.",
            "Holiday calendar means the next call lands after their offsite.",
            "Their offsite and the holiday break push the kickoff back a little.",
            "Calendar is tight around the holiday; kickoff after the offsite.",
        ),
    },
    "mobile": {
        "share": 0.22,
        "key_terms": ("mobile", "logo", "colours", "dark"),
        "sentences": (
            "Asked whether the mobile app supports dark mode.",
            "They liked the colours and want their logo on the mobile app.",
            "Questions about dark mode and custom logo colours on mobile.",
            "Wanted to see the mobile app with their own logo and colours.",
        ),
    },
    "hosting": {
        "share": 0.22,
        "key_terms": ("hosted", "residency", "hosting", "centre"),
        "sentences": (
            "Asked where the service is hosted and about EU data residency.",
            "Residency question: can hosting stay in a European data centre?",
            "Wanted written confirmation of hosting region and residency terms.",
            "Their lawyer asked which data centre hosts the service.",
        ),
    },
}

# Sentences any call note may carry, won or lost.
FILLER: tuple[str, ...] = (
    "Intro call with {n} people from their side.",
    "Sent the recap and the slides after the call.",
    "Follow-up booked for next week.",
    "Demo went to plan; good questions throughout.",
    "They will loop in a colleague for the next session.",
    "Shared the onboarding plan and a sample timeline.",
    "Second call, mostly walking through the product.",
    "Agreed to a short trial with {n} users.",
    "Champion seemed engaged and asked for references.",
    "Call ran over; picked up the remaining items by email.",
    "Walked through the admin settings and user roles.",
    "They asked for a reference customer in their region.",
    "Good rapport with the evaluator.",
    "Next step is a workshop with their analysts.",
    "Asked for the product roadmap deck.",
    "Technical questions answered on the spot.",
    "Quick check-in, nothing new to report.",
    "Pricing page reviewed together.",
    "They want to see the API documentation.",
    "Sandbox access requested for {n} people.",
    "Went over the implementation steps.",
    "Legal asked for our standard terms.",
    "Intro came through a partner.",
    "Met at the conference booth.",
    "Contact prefers email over calls.",
    "Reviewed the integration list.",
    "Asked about training for new users.",
    "Some confusion about licence tiers; clarified.",
    "Evaluation team of {n} people.",
    "Sent a short video walkthrough afterwards.",
    "They compared notes with a peer company.",
    "Meeting moved twice, finally held today.",
    "Positive feedback on the interface.",
    "Support levels and escalation explained.",
    "Their IT lead joined for the second half.",
    "Discussed a phased rollout by team.",
)

# Loss-reason details as a rep types them, by normalised reason. {competitor} and {n} are filled.
LOSS_DETAILS: dict[str, tuple[str, ...]] = {
    "defended": (
        "Went with {competitor}, the incumbent; they have run the agency's systems for a decade.",
        "Lost to {competitor}: existing framework contract with the department.",
        "Stayed with {competitor} under their current multi-year contract.",
        "Chose {competitor}, already approved on the public-sector framework.",
    ),
    "competitor": (
        "Lost to {competitor} on the final shortlist.",
        "Went with {competitor} after a bake-off.",
        "Chose {competitor}; their team knew the rep there.",
    ),
    "bad_fit": (
        "Too small for us: {n} employees and nobody to own it.",
        "Not a fit, a team of {n} with no operations person.",
        "Company too small to get value from the product.",
        "Bad fit: {n} people, no process to automate yet.",
    ),
    "procurement": (
        "Procurement needs a formal tender, a twelve-month process.",
        "Stuck in procurement and security review for months.",
        "RFP required and we could not respond in time.",
        "Purchasing rules meant a public tender we did not qualify for.",
    ),
    "missing_feature": (
        "Missing the SAP integration they needed.",
        "Needed an on-premises option we do not have.",
        "Feature gap: no single sign-on for their identity provider.",
    ),
    "price": (
        "Price too high for the seats they wanted.",
        "Too expensive compared with what they pay today.",
    ),
    "no_budget": ("No budget this year.", "Budget frozen until next fiscal year."),
    "timing": ("Bad timing, revisit next quarter.", "Not a priority right now; circle back in Q3."),
    "no_decision": ("They decided to do nothing for now.", "Stalled; no decision was made."),
    "no_follow_up": (
        "Went dark after the demo; no follow-up from our side.",
        "Rep left and nobody followed up.",
    ),
}
EXECUTION_REASONS: tuple[str, ...] = ("price", "timing", "no_decision", "no_follow_up", "no_budget")
EXECUTION_WEIGHTS: tuple[float, ...] = (0.25, 0.25, 0.25, 0.15, 0.10)

# Competitors named on deals: four show up everywhere alike; the defender owns one segment.
BACKGROUND_COMPETITORS: tuple[str, ...] = ("Northwind", "Globex", "Initech", "Contoso")
DEFENDER = "Fabrikam"
