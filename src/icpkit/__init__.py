"""icpkit: find the Ideal Customer Profile in CRM history, score any company, prove it."""

__version__ = "0.1.0"
