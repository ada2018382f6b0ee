"""Property-based tests of the wire parser and the document reader: any JSON (and any text) either parses or is
refused with ProtocolError / DocumentError, never another exception; a batch the validator accepts is stored
and read back exactly (pack/unpack, and the JSON frame viewers get)."""

from __future__ import annotations

import math

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openscg.document import DocumentError, parse_document
from openscg.protocol import (
    Hello,
    ProtocolError,
    SamplesMessage,
    SimpleMessage,
    check_clock,
    pack_samples,
    parse_client_message,
    samples_frame,
    unpack_samples,
    validate_samples,
)

EXAMPLES = 300
RUN = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6),
    max_leaves=40,
)
numbers = st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
sample_like = st.lists(numbers | scalars, min_size=0, max_size=6)
message_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["samples", "hello", "end", "ping", "other"]) | scalars},
    optional={
        "seq": st.integers(-5, 2**64) | scalars,
        "since": st.integers(-5, 2**64) | scalars,
        "token": scalars,
        "device": json_values,
        "samples": st.lists(sample_like, max_size=8) | json_values,
    },
)


def _encode(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


@RUN
@given(st.one_of(json_values, message_like))
def test_any_json_message_parses_or_is_a_protocol_error(value):
    try:
        text = _encode(value)
    except (orjson.JSONEncodeError, TypeError):
        return  # integers beyond 64 bits cannot be encoded by orjson; the text test covers such input
    _parse_and_validate(text)


@RUN
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_any_text_or_bytes_parses_or_is_a_protocol_error(raw):
    _parse_and_validate(raw)


def _parse_and_validate(raw: str | bytes) -> None:
    try:
        message = parse_client_message(raw)
    except ProtocolError as error:
        assert error.code == "bad_message" and error.detail
        return
    assert isinstance(message, Hello | SamplesMessage | SimpleMessage)
    if isinstance(message, SamplesMessage):
        try:
            validate_samples(message.samples, None, 1000, 1000.0)
            check_clock(message.samples, 1.7e12, 86400.0)
        except ProtocolError as error:
            assert error.code == "invalid_samples" and error.detail


@RUN
@given(json_values | st.fixed_dictionaries({"version": scalars, "format": scalars, "samples": json_values}))
def test_any_json_document_parses_or_is_a_document_error(value):
    try:
        document = parse_document(value)
    except DocumentError as error:
        assert str(error)
        return
    assert document.samples


finite = st.floats(-1000.0, 1000.0, allow_nan=False)
batches = st.lists(
    st.tuples(st.floats(0.001, 1e6, allow_nan=False), finite, finite, finite), min_size=1, max_size=200
).map(
    lambda rows: [
        [1.7e12 + sum(step for step, *_ in rows[: i + 1]), ax, ay, az] for i, (_, ax, ay, az) in enumerate(rows)
    ]
)


@RUN
@given(batches)
def test_valid_batches_round_trip_exactly(batch):
    try:
        validate_samples(batch, None, 1000, 1000.0)
    except ProtocolError:  # a step below the float spacing of t made two times equal: refused, fine
        return
    assert unpack_samples(pack_samples(batch)) == batch
    frame = orjson.loads(samples_frame(7, batch))
    assert frame == {"type": "samples", "seq": 7, "samples": batch}
    message = parse_client_message(_encode({"type": "samples", "seq": 3, "samples": batch}))
    assert isinstance(message, SamplesMessage) and message.samples == batch


@RUN
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 1e7, allow_nan=False))
def test_clock_check_refuses_exactly_what_is_far(t_ms, skew_s):
    now_ms = 1.7e12
    batch = [[t_ms, 0.0, 0.0, 9.8]]
    try:
        validate_samples(batch, None, 1000, 1000.0)
    except ProtocolError:
        assert not math.isfinite(t_ms)
        return
    far = skew_s > 0 and abs(t_ms - now_ms) / 1000.0 > skew_s
    if far:
        with pytest.raises(ProtocolError) as refused:
            check_clock(batch, now_ms, skew_s)
        assert refused.value.code == "invalid_samples"
        assert refused.value.to_message()["serverTimeMs"] == now_ms
    else:
        check_clock(batch, now_ms, skew_s)
