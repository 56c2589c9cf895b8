"""Measuring a PDF's streams (ingest/pdf_streams.py): decoders that decode as PDF
readers do, and a pass whose time grows with the file, not its square.

The time bounds are loose on purpose (a shared, busy machine): a linear pass
takes a second or so at these sizes, the quadratic one it replaced minutes.
"""

from __future__ import annotations

import random
import time
import zlib

import pytest

from faqrag.ingest.pdf_streams import _lzw, expanded_size

BOUND_S = 20.0


def _timed(fn, *args):
    """What ``fn(*args)`` returns, and the seconds it took."""
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0


def lzw_encode(data: bytes, *, clear_at: int = 4096) -> tuple[bytes, list[tuple[int, int]]]:
    """LZW as PDF 32000-1 (7.4.4.2) writes it with /EarlyChange 1, the default: 9-bit
    codes, one bit wider for the code after table entry 511, 1023 and 2047 is made,
    and a clear code (256) once entry ``clear_at - 1`` is made. Returns the stream
    and each code in it with its width. Written from the standard, not from the
    decoder or bench/adversarial_shapes.py's encoder, so the three check each other."""
    out, codes = bytearray(), []
    bits = nbits = 0
    width = 9

    def put(code: int) -> None:
        nonlocal bits, nbits
        codes.append((code, width))
        bits, nbits = (bits << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
        bits &= (1 << nbits) - 1

    table, next_code, word = {bytes([i]): i for i in range(256)}, 258, b""
    put(256)
    for byte in data:
        grown = word + bytes([byte])
        if grown in table:
            word = grown
            continue
        put(table[word])
        table[grown], next_code, word = next_code, next_code + 1, bytes([byte])
        if next_code == clear_at:
            put(256)
            table, next_code = {bytes([i]): i for i in range(256)}, 258
        width = min(12, max(9, next_code.bit_length()))
    if word:
        put(table[word])
    put(257)
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out), codes


def test_the_reference_encoder_writes_the_standards_example():
    # The example in PDF 32000-1, 7.4.4.2: "-----A---B" is the codes 256 45 258 258 65 259 66 257.
    assert lzw_encode(b"-----A---B")[0] == bytes.fromhex("800B6050220C0C8501")


TEXT = b" ".join(
    random.Random(3).choice([b"the", b"refund", b"is", b"paid", b"within", b"30", b"days."]) for _ in range(60_000)
)
NOISE = random.Random(5).randbytes(40_000)


@pytest.mark.parametrize(
    "data, clear_at",
    [
        (b"", 4096),
        (b"a", 4096),
        (b"-----A---B", 4096),
        (b"a" * 100_000, 4096),  # each code the one being made (KwKwK)
        (TEXT, 4096),
        (NOISE, 4096),  # the table fills and is cleared many times
        (NOISE, 4095),  # cleared one entry early (a writer may clear when it likes)
        (NOISE, 700),  # cleared at 10 bits: the reader goes back to 9
    ],
    ids=["empty", "one byte", "standard example", "one byte repeated", "text", "noise", "clear early", "clear at 700"],
)
def test_lzw_decodes_what_pdf_writers_encode(data, clear_at):
    encoded, codes = lzw_encode(data, clear_at=clear_at)
    if data is NOISE:  # every code width, and clears that take the reader back to 9 bits
        assert {w for _, w in codes} == ({9, 10, 11, 12} if clear_at > 2048 else {9, 10})
        assert sum(c == 256 for c, _ in codes) > 3
    assert _lzw(encoded, 10**9) == data
    assert _lzw(encoded, 1_000) == data[:1_000]  # decoding stops at the budget


def test_a_long_lzw_stream_decodes_in_linear_time():
    # The decoder's bit buffer once kept every bit read: 1.4 MB took minutes, not a second.
    data = random.Random(9).randbytes(1_000_000)
    encoded, _ = lzw_encode(data)
    assert len(encoded) > 1_300_000
    decoded, elapsed = _timed(_lzw, encoded, 10**9)
    assert decoded == data
    assert elapsed < BOUND_S, f"{elapsed:.1f} s"


def test_many_tiny_streams_are_measured_in_linear_time():
    # Each stream's dictionary was looked for in the 64 KB before it, however near the
    # stream before: 400,000 streams (14 MB) took about a minute.
    n = 400_000
    raw = b"%PDF-1.7\n1 0 obj\n" + b"<< /Length 1 >>stream\nx\nendstream\n" * n
    size, elapsed = _timed(expanded_size, raw, 10**9)
    assert size == n
    assert elapsed < BOUND_S, f"{elapsed:.1f} s"


def test_a_stream_is_measured_by_its_own_dictionary_not_the_one_before():
    packed = zlib.compress(b"a" * 10_000)
    flate = b"<< /Filter /FlateDecode /Length %d >>stream\n" % len(packed) + packed + b"\nendstream\n"
    stored = b"<< /Length %d >>stream\n" % len(packed) + packed + b"\nendstream\n"
    # No object header between them: the second is as stored, not inflated by the first's /Filter.
    assert expanded_size(b"%PDF-1.7\n" + flate + stored, 10**9) == 10_000 + len(packed)
    assert expanded_size(b"%PDF-1.7\n" + stored + flate, 10**9) == len(packed) + 10_000
