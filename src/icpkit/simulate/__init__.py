"""A realistic simulated CRM with a known, planted Ideal Customer Profile.

``simulate`` builds the canonical tables and the truth they were drawn from; ``write_crm`` writes
them as clean canonical CSVs or as messy HubSpot/Salesforce-style exports. ``icpkit simulate``
is the command-line face of both; the bundled demo and the test suite run on its output.
"""

from icpkit.simulate.generator import SimulatedCRM, simulate
from icpkit.simulate.messy import write_crm

__all__ = ["SimulatedCRM", "simulate", "write_crm"]
