"""Moved to :mod:`icpkit.discover.roles`, which decides every column's role (company, deal,
engagement, id, constant, leak, text) from the data as well as the name. These names stay
importable from here for code written against the earlier module."""

from icpkit.discover.roles import AttributeKinds, classify_columns, kind_of

__all__ = ["AttributeKinds", "classify_columns", "kind_of"]
