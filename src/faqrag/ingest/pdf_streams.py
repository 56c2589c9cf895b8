"""How far a PDF's compressed content expands, measured before PDFium reads it.

The corpus limits see a file's bytes; a PDF's streams are compressed, and a
few kilobytes compressed twice over expand to gigabytes of drawing operators
that PDFium then parses for minutes. Each stream is decoded here in bounded
steps (Flate, LZW, run-length, ASCII hex and base-85, chained as the stream
says), never past the budget, and a page's content counts once for every page
that draws it. Images are left out: reading text never decodes them. Streams
of an encrypted PDF are measured as stored (they cannot be decoded here).

One pass over the bytes: each pattern is bounded in length, the scan moves on
past every stream it reads, and a stream's dictionary is looked for only back to
where the scan was (the object's header, or the end of the stream before).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections import Counter

# An object's header, or a stream's start (not the end of one); digits bounded so a long run cannot backtrack.
_TOKEN = re.compile(rb"(\d{1,10})[ \t\r\n\f\x00]{1,8}\d{1,5}[ \t\r\n\f\x00]{1,8}obj\b|(?<!end)stream(?:\r\n|\n|\r)")
_LENGTH = re.compile(rb"/Length\s{0,8}(\d{1,12})(\s{1,8}\d{1,5}\s{1,8}R)?")
_FILTER = re.compile(rb"/Filter\s{0,8}(/[A-Za-z0-9]{1,40}|\[[^\]]{0,2000}\])")
_NAME = re.compile(rb"/([A-Za-z0-9]{1,40})")
_IMAGE = re.compile(rb"/Subtype\s{0,8}/Image\b|/Type\s{0,8}/EmbeddedFile\b")
_OBJECT_STREAM = re.compile(rb"/Type\s{0,8}/ObjStm\b")
_CONTENTS = re.compile(rb"/Contents\s{0,8}")
_REF = re.compile(rb"(\d{1,10})\s{1,8}\d{1,5}\s{1,8}R")
_DICT_WINDOW = 65_536  # bytes before "stream" read for its dictionary
_ARRAY = 100_000  # bytes of a /Contents array read


def expanded_size(raw: bytes, limit: int) -> int:
    """The bytes the PDF's non-image streams expand to, a page's content once per
    page drawing it; measuring stops once the total is past ``limit``."""
    sizes: dict[int, int] = {}
    drawn: Counter[int] = Counter()  # content stream -> pages that draw it
    _count_contents(raw, drawn)
    total, pos = 0, 0
    header = -1  # the object whose header came last
    while total <= limit:
        m = _TOKEN.search(raw, pos)
        if m is None:
            break
        if m.group(1) is not None:
            header, pos = int(m.group(1)), m.end()
            continue
        # Not back past the last header or stream: many streams close together each read the same window again.
        info = raw[max(pos, m.start() - _DICT_WINDOW) : m.start()]
        data, pos = _data(raw, info, m.end())
        if _IMAGE.search(info):
            continue
        # Encrypted streams do not decode here, and count as stored.
        size, decoded = _decode(data, _filters(info), limit - total + 1, keep=bool(_OBJECT_STREAM.search(info)))
        if decoded is not None:  # an object stream holds more objects: pages among them
            _count_contents(decoded, drawn)
        sizes[header] = size
        total += size
    # A stream drawn by many pages is parsed once for each of them.
    return total + sum(sizes.get(obj, 0) * (pages - 1) for obj, pages in drawn.items() if pages > 1)


def _count_contents(text: bytes, drawn: Counter) -> None:
    """Count each content stream a page names (``/Contents 5 0 R`` or ``[5 0 R 6 0 R]``)."""
    close = counted = -1  # the next "]", and the last array counted (arrays may not nest)
    for m in _CONTENTS.finditer(text):
        at = m.end()
        if text[at : at + 1] != b"[":
            ref = _REF.match(text, at)
            if ref:
                drawn[int(ref.group(1))] += 1
            continue
        if close < at:
            close = text.find(b"]", at)
            if close < 0:
                return
        if close != counted and close - at <= _ARRAY:
            drawn.update(int(r.group(1)) for r in _REF.finditer(text, at, close))
            counted = close


def _data(raw: bytes, info: bytes, start: int) -> tuple[bytes, int]:
    """A stream's stored bytes, and where the scan goes on."""
    m = _LENGTH.search(info)
    if m and not m.group(2):
        end = start + int(m.group(1))
        if raw[end : end + 32].lstrip().startswith(b"endstream"):
            return raw[start:end], end
    end = raw.find(b"endstream", start)
    end = len(raw) if end < 0 else end
    return raw[start:end], end


def _filters(info: bytes) -> list[bytes]:
    m = _FILTER.search(info)
    return _NAME.findall(m.group(1)) if m else []


def _decode(data: bytes, filters: list[bytes], budget: int, *, keep: bool) -> tuple[int, bytes | None]:
    """The decoded size (at most ``budget``), and the decoded bytes when ``keep``."""
    for name in filters:
        step = _STEPS.get(name)
        if step is None:
            break  # an image codec, or one faqrag cannot decode: counted as stored
        try:
            data = step(data, budget)
        except (zlib.error, ValueError, binascii.Error):
            break  # damaged: PDFium will say so, or read what it can
    return min(len(data), budget), (data if keep else None)


def _inflate(data: bytes, budget: int) -> bytes:
    d = zlib.decompressobj()
    out = [d.decompress(data, budget)]
    # Flate output past a truncated or padded stream end is what PDFium reads too.
    return b"".join(out)


def _lzw(data: bytes, budget: int) -> bytes:
    """LZW as PDF writes it (early change), stopping once ``budget`` bytes are out."""
    out = bytearray()
    table = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, nbits, prev = 9, 0, 0, b""
    for byte in data:
        bits, nbits = (bits << 8) | byte, nbits + 8
        while nbits >= width:
            nbits -= width
            code = bits >> nbits
            bits &= (1 << nbits) - 1  # only the bits not yet read: a growing buffer made decoding quadratic
            if code == 256:
                table, width, prev = table[:258], 9, b""
                continue
            if code == 257:
                return bytes(out)
            entry = table[code] if code < len(table) else prev + prev[:1]
            if prev:
                table.append(prev + entry[:1])
            out += entry
            if len(out) >= budget:
                return bytes(out[:budget])
            prev = entry
            if len(table) + 1 >= 1 << width and width < 12:
                width += 1
    return bytes(out)


def _run_length(data: bytes, budget: int) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data) and len(out) < budget:
        n = data[i]
        if n == 128:
            break
        if n < 128:
            out += data[i + 1 : i + 2 + n]
            i += n + 2
        else:
            out += data[i + 1 : i + 2] * (257 - n)
            i += 2
    return bytes(out[:budget])


def _hex(data: bytes, _budget: int) -> bytes:
    text = re.sub(rb"\s+", b"", data.split(b">", 1)[0])
    return binascii.unhexlify(text + b"0" * (len(text) % 2))


def _base85(data: bytes, _budget: int) -> bytes:
    return base64.a85decode(data.split(b"~>", 1)[0], ignorechars=b" \t\n\r\f\v")


_STEPS = {
    b"FlateDecode": _inflate,
    b"Fl": _inflate,
    b"LZWDecode": _lzw,
    b"LZW": _lzw,
    b"RunLengthDecode": _run_length,
    b"RL": _run_length,
    b"ASCIIHexDecode": _hex,
    b"AHx": _hex,
    b"ASCII85Decode": _base85,
    b"A85": _base85,
}
