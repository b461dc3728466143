"""Properties: whatever is appended reads back exactly; any flipped payload byte is caught."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime import Message
from runtime.journal import JournalCorrupt, JournalStore, verify_journal

from ._support import TYPES, FillRecorded, OrderIntent, tamper

_prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1e7"), places=4)
_fills = st.builds(
    FillRecorded,
    exec_id=st.text(min_size=1, max_size=12),
    symbol=st.sampled_from(["AAPL", "MSFT", "NVDA", "MES"]),
    side=st.sampled_from(["buy", "sell"]),
    quantity=st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=2),
    price=_prices,
)
_intents = st.builds(
    OrderIntent,
    client_order_id=st.text(max_size=20),
    symbol=st.sampled_from(["SPY", "QQQ"]),
    quantity=_prices,
)
_messages: st.SearchStrategy[Message] = st.one_of(_fills, _intents)
_batches = st.lists(
    st.tuples(
        st.lists(_messages, min_size=1, max_size=6),
        st.floats(min_value=0, max_value=4e9, allow_nan=False),
    ),
    min_size=1,
    max_size=8,
)


@given(batches=_batches, after=st.integers(min_value=0, max_value=50))
def test_any_sequence_of_appends_reads_back_exactly(
    batches: list[tuple[list[Message], float]], after: int
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "journal.db"
        store = JournalStore.open(path, TYPES)
        expected: list[tuple[float, Message]] = []
        for messages, ts in batches:
            store.append(messages, ts)
            expected.extend((ts, message) for message in messages)
        store.close()
        store = JournalStore.open(path, TYPES)
        try:
            records = store.read()
            assert [(r.ts, r.payload) for r in records] == expected
            assert [r.seq for r in records] == list(range(1, len(expected) + 1))
            assert store.read(after=after) == records[after:]
            assert [r.payload for r in store.read(types=[OrderIntent])] == [
                m for _, m in expected if isinstance(m, OrderIntent)
            ]
        finally:
            store.close()


@given(
    messages=st.lists(_messages, min_size=1, max_size=10),
    data=st.data(),
)
def test_any_single_byte_change_of_a_payload_is_detected(
    messages: list[Message], data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "journal.db"
        store = JournalStore.open(path, TYPES)
        store.append(messages, 1.0)
        payload = store.codec.encode(
            messages[index := data.draw(st.integers(0, len(messages) - 1))]
        )
        store.close()
        at = data.draw(st.integers(0, len(payload) - 1), label="byte")
        changed = bytearray(payload)
        changed[at] ^= data.draw(st.integers(1, 255), label="xor")
        tamper(path, "UPDATE records SET payload = ? WHERE seq = ?", bytes(changed), index + 1)
        with pytest.raises(JournalCorrupt) as caught:
            verify_journal(path, TYPES)
        assert caught.value.seq == index + 1
        assert "checksum mismatch" in caught.value.reason
