"""Sample CRMs with a known, planted Ideal Customer Profile: icpkit's datasets.

As ``sklearn.datasets.make_classification`` draws data whose answer is known, ``make_crm``
draws a realistic CRM (accounts, deals, contacts, signals, customers) in which a planted ICP
wins more, closes faster and churns less, and says what it planted::

    from icpkit import simulate

    crm = simulate.make_crm(n_accounts=2000, seed=1)   # the same seed, the same tables
    crm.accounts, crm.deals                             # canonical DataFrames
    crm.truth["icp"], crm.truth["win_rate_in_icp"]      # what a build should find
    simulate.write_crm(crm, "crm/", messy=True)         # as HubSpot/Salesforce exports
    simulate.planted.ICP_INDUSTRIES                     # every planted effect, as data

- :func:`make_crm` returns a :class:`SimulatedCRM`; its docstring lists what ``truth`` holds.
- :func:`write_crm` writes the tables as clean canonical CSVs, or (``messy=True``) the way real
  exports arrive, with ``truth.json`` beside them.
- :mod:`~icpkit.simulate.planted` holds the planted profile, anti-ICP, trigger, champion, drift
  and every effect size; :mod:`~icpkit.simulate.world` the distributions of the company
  universe; :mod:`~icpkit.simulate.winloss` the competitors, loss reasons and notes.

``simulate`` is the same function as ``make_crm``, under the name earlier code uses.
``icpkit.simulate(accounts, seed, out=None, messy=False)`` (this module, called) draws and
writes in one step, as the ``icpkit simulate`` command does; the bundled demo and the test
suite run on its output.
"""

from icpkit.simulate import planted
from icpkit.simulate.generator import SimulatedCRM, make_crm
from icpkit.simulate.messy import write_crm

simulate = make_crm

__all__ = ["SimulatedCRM", "make_crm", "planted", "simulate", "write_crm"]
