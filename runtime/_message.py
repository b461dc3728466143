"""The base of every message that travels between actors.

Messages are frozen msgspec Structs. A frozen Struct is hashable and cannot be
changed after it is sent, so two actors never share mutable state through a
message. The base sets ``tag_field="type"``: every subclass is a member of a
tagged union, so any message can cross a wire (journal, hub, webhook) and be
decoded back to its own class without guessing.

msgspec does not validate types on construction, only on decode; code that
builds messages from untrusted input must go through a decoder or
``msgspec.convert``.

``gc=False``: the garbage collector does not track messages. They are frozen
data that never refer back to themselves, and they are the most numerous
objects a daemon allocates; tracking them only made collections more frequent.
"""

from __future__ import annotations

import msgspec

__all__ = ["Message"]


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """Base class for actor messages; subclasses set ``tag="snake_name"``."""
