"""How messages become stored bytes and back, and the checksums that chain them.

The journal is opened with the message types it may hold. Their tags (the
``type`` field every :class:`runtime.Message` carries) name a record's type
in the ``type`` column, and one msgspec decoder for their tagged union is
built once and reused. Payloads are msgpack: compact and the fastest msgspec
format to decode, which is what recovery spends its time on.

Checksums chain: each record's is the SHA-256 of the previous record's
checksum and the record's own fields (seq, ts, type, payload), so a changed,
deleted or reordered record breaks the chain from that point on. A snapshot's
checksum also covers the record checksum at its ``seq``, binding it to the
exact log prefix it summarises, and chains to the previous snapshot.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from hashlib import sha256
from typing import Any, Final, Union, final

import msgspec

from .._message import Message

__all__ = ["GENESIS", "Codec", "record_checksum", "snapshot_checksum"]

GENESIS: Final = sha256(b"tradeloop journal v1").hexdigest()
"""The checksum that precedes record 1 (and snapshot 1)."""

_RECORD_FIELDS: Final = struct.Struct(">qdI")  # seq, ts, len(type)
_SNAPSHOT_FIELDS: Final = struct.Struct(">qdII")  # seq, ts, len(name), len(type)


def record_checksum(prev: str, seq: int, ts: float, tag: str, payload: bytes) -> str:
    tag_bytes = tag.encode()
    fields = _RECORD_FIELDS.pack(seq, ts, len(tag_bytes))
    return sha256(b"".join((prev.encode(), fields, tag_bytes, payload))).hexdigest()


def snapshot_checksum(
    prev: str, record: str, name: str, seq: int, ts: float, tag: str, payload: bytes
) -> str:
    """``prev``: the previous snapshot's checksum; ``record``: the record checksum at ``seq``."""
    name_bytes = name.encode()
    tag_bytes = tag.encode()
    digest = sha256(prev.encode())
    digest.update(record.encode())
    digest.update(_SNAPSHOT_FIELDS.pack(seq, ts, len(name_bytes), len(tag_bytes)))
    digest.update(name_bytes)
    digest.update(tag_bytes)
    digest.update(payload)
    return digest.hexdigest()


@final
class Codec:
    """Encodes the journal's message types and decodes their tagged union."""

    __slots__ = ("_decoder", "_encoder", "tags", "types")

    def __init__(self, types: Sequence[type[Message]]) -> None:
        if not types:
            raise ValueError("a journal needs at least one message type")
        tags: dict[type[Message], str] = {}
        for message_type in types:
            if not (isinstance(message_type, type) and issubclass(message_type, Message)):
                raise TypeError(f"{message_type!r} is not a runtime.Message subclass")
            tag = message_type.__struct_config__.tag
            if not isinstance(tag, str):
                raise TypeError(f"{message_type.__name__} needs a string tag, not {tag!r}")
            if tag in tags.values():
                raise ValueError(f"two journal message types share the tag {tag!r}")
            tags[message_type] = tag
        self.tags: Final = tags
        self.types: Final = {tag: message_type for message_type, tag in tags.items()}
        union: Any = Union[tuple(tags)]  # noqa: UP007 (built from a runtime tuple)
        self._decoder: Final = msgspec.msgpack.Decoder(union)
        self._encoder: Final = msgspec.msgpack.Encoder()

    def tag_of(self, message: Message) -> str:
        """The stored type name of ``message``, or TypeError when the journal cannot hold it."""
        tag = self.tags.get(type(message))
        if tag is None:
            raise TypeError(
                f"this journal does not hold {type(message).__name__}; "
                f"it holds {sorted(self.types)}"
            )
        return tag

    def encode(self, message: Message) -> bytes:
        return self._encoder.encode(message)

    def decode(self, tag: str, payload: bytes) -> Message:
        """Decode a stored payload; raises ValueError saying why it is not a ``tag``."""
        try:
            message: Message = self._decoder.decode(payload)
        except msgspec.DecodeError as error:  # ValidationError is a DecodeError
            self._check_held(tag)
            raise ValueError(f"payload does not decode as {tag!r}: {error}") from None
        if type(message) is not self.types.get(tag):
            self._check_held(tag)
            raise ValueError(f"payload is a {type(message).__name__}, the record says {tag!r}")
        return message

    def _check_held(self, tag: str) -> None:
        if tag not in self.types:
            raise ValueError(f"type {tag!r} is not one this journal holds ({sorted(self.types)})")

    def tag_of_type(self, message_type: type[Message]) -> str:
        tag = self.tags.get(message_type)
        if tag is None:
            raise TypeError(f"this journal does not hold {message_type.__name__}")
        return tag
