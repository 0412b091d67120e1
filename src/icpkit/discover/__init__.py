"""Discovery: which kinds of company win, and which lose, with statistics a skeptic accepts."""

from icpkit.discover.profiles import attribute_profiles
from icpkit.discover.segments import Segment, find_segments

__all__ = ["Segment", "attribute_profiles", "find_segments"]
