"""The garbage collector in a long-lived daemon: what start-up built is frozen.

CPython's collector walks every tracked container of a generation each time
it collects it, and a full collection walks them all. After start-up a daemon
holds tens of thousands that live as long as it does (modules, the tree, the
state rebuilt from the journal); in ``bench/pipeline.py`` one full collection
over them stalled every actor for 40 ms, the slowest tick-to-fill of the run.
:func:`freeze_heap` moves them to the permanent generation that collections
skip, so a collection costs what was allocated since. Messages, the most
numerous objects in flight, are not tracked at all (``Message`` has
``gc=False``: frozen data never forms a cycle).
"""

from __future__ import annotations

import gc

__all__ = ["freeze_heap"]


def freeze_heap() -> int:
    """Collect once, then freeze every surviving object; returns how many were frozen.

    Call it once the daemon has started. Frozen objects are never collected:
    a cycle among them that turns to garbage later stays in memory, which is
    why only what start-up built, and keeps, should be frozen.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
