"""Reading cells straight from Arrow's buffers, for the rule kernels: a column's UTF-8
bytes, each cell's byte length, fixed-width cells as an (n, width) byte array, and blanks
at a cell's ends found from its first and last characters. No Python object per cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Every character Python counts as whitespace (str.isspace), the full-width blank included.
WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_BLANK = np.zeros(0x3001, dtype=bool)  # code point → is it one of WHITESPACE
_BLANK[[ord(c) for c in WHITESPACE]] = True
# Bytes that begin, and bytes that end, a blank's UTF-8 (a cheap first look per cell).
_BLANK_LEAD = np.zeros(256, dtype=bool)
_BLANK_END = np.zeros(256, dtype=bool)
for _c in WHITESPACE:
    _BLANK_LEAD[_c.encode()[0]] = _BLANK_END[_c.encode()[-1]] = True


def text_cells(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The values as text, and where they are text at all (anything else fails a check)."""
    if pd.api.types.infer_dtype(values, skipna=True) == "string":
        is_text = values.notna().to_numpy()
    else:
        is_text = values.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    return values.astype("string"), is_text


def arrow_text(text: pd.Series):
    """The Arrow string data behind Arrow-backed text, as it is (a chunked array: joining
    the chunks would copy every column once per rule)."""
    import pyarrow as pa

    if not (isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow"):
        text = text.astype(pd.StringDtype("pyarrow"))
    cells = pa.array(text.array)
    return cells if isinstance(cells, pa.ChunkedArray) else pa.chunked_array([cells], cells.type)


def per_chunk(kernel, cells, *args) -> np.ndarray:
    """A kernel of one Arrow array run over each chunk, its results joined in order."""
    parts = [kernel(chunk, *args) for chunk in cells.chunks]
    return np.concatenate(parts) if parts else kernel(cells.combine_chunks(), *args)


def byte_lengths(text: pd.Series) -> np.ndarray:
    """Each cell's length in UTF-8 bytes (0 for a missing cell)."""
    import pyarrow.compute as pc

    return pc.binary_length(arrow_text(text)).fill_null(0).to_numpy(zero_copy_only=False)


def offsets_and_data(cells) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow string array's n + 1 offsets (int64) and its data bytes."""
    import pyarrow as pa

    n = len(cells)
    wide = pa.types.is_large_string(cells.type)
    offsets = np.frombuffer(
        cells.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1, offset=cells.offset * (8 if wide else 4)
    ).astype(np.int64)
    data = cells.buffers()[2]
    return offsets, (
        np.frombuffer(data, dtype=np.uint8, count=int(offsets[n]))
        if data is not None and offsets[n]
        else np.zeros(0, dtype=np.uint8)
    )


def fixed_bytes(cells, width: int) -> np.ndarray:
    """(n, width) bytes of an Arrow string array whose every cell is ``width`` bytes: its
    data buffer is then one run of n × width bytes, read as it is."""
    import pyarrow as pa

    n = len(cells)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    wide = pa.types.is_large_string(cells.type)
    offsets = np.frombuffer(
        cells.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1, offset=cells.offset * (8 if wide else 4)
    )
    if cells.null_count or offsets[n] - offsets[0] != n * width:
        raise ValueError(f"not {n} cells of {width} bytes")
    return np.frombuffer(cells.buffers()[2], dtype=np.uint8, count=n * width, offset=int(offsets[0])).reshape(n, width)


def width_bytes(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the text cells that are ``width`` bytes long, and their bytes. A code
    of ``width`` ASCII characters is among them; anything with a non-ASCII character has
    a byte above 127, which no code alphabet holds."""
    import pyarrow as pa

    text, is_text = text_cells(values)
    hit = is_text & (byte_lengths(text) == width)
    cells = arrow_text(text)
    if not hit.all():
        cells = cells.filter(pa.array(hit))
    return np.flatnonzero(hit), per_chunk(fixed_bytes, cells, width).reshape(-1, width)


def edge_blank(cells) -> np.ndarray:
    """Per cell of a valid UTF-8 Arrow string array: its first or last character is a blank
    (missing and empty cells: False). Every blank is at most three bytes (U+3000): the
    first and last characters are decoded from at most three bytes each, and only where
    their first or last byte can belong to a blank."""
    n = len(cells)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    offsets, data = offsets_and_data(cells)
    if offsets[n] == offsets[0]:
        return out
    starts, ends = offsets[:-1], offsets[1:]
    filled = np.flatnonzero(ends > starts)  # a missing cell has no bytes either
    first, last = starts[filled], ends[filled] - 1

    def at(i):
        return data.take(i, mode="clip").astype(np.int32)

    def blank(cp):
        known = (cp >= 0) & (cp < len(_BLANK))
        return known & _BLANK[np.where(known, cp, 0)]

    # The first character, decoded from its lead byte where that byte can begin a blank.
    maybe = _BLANK_LEAD[data.take(first)]
    if maybe.any():
        at0 = first[maybe]
        b0, b1, b2 = at(at0), at(at0 + 1), at(at0 + 2)
        lead = np.where(
            b0 < 0x80,
            b0,
            np.where(
                b0 >= 0xE0, ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F), ((b0 & 0x1F) << 6) | (b1 & 0x3F)
            ),
        )  # no blank has four bytes
        out[filled[maybe]] = blank(lead)
    # The last character, back from the last byte (where it can end a blank) to its lead.
    maybe = _BLANK_END[data.take(last)]
    if maybe.any():
        at0 = last[maybe]
        z0, z1, z2 = at(at0), at(at0 - 1), at(at0 - 2)
        tail = np.where(
            z0 < 0x80,
            z0,
            np.where(
                z1 >= 0xC0,
                ((z1 & 0x1F) << 6) | (z0 & 0x3F),
                np.where((z2 >= 0xE0) & (z2 < 0xF0), ((z2 & 0x0F) << 12) | ((z1 & 0x3F) << 6) | (z0 & 0x3F), -1),
            ),
        )
        out[filled[maybe]] |= blank(tail)
    return out


def padded_or_broken(cells) -> np.ndarray:
    """Per cell of a valid UTF-8 Arrow string array: its first or last character is a
    blank, or it holds a line break (missing cells: False). 0x0A and 0x0D never occur
    inside a longer character, so line breaks are found by one pass over the bytes."""
    out = edge_blank(cells)
    offsets, data = offsets_and_data(cells)
    if len(data) > offsets[0]:
        body = data[offsets[0] :]
        low = np.flatnonzero(body <= 0x0D)  # one pass; line breaks are among the few control bytes
        breaks = low[(body[low] == 0x0A) | (body[low] == 0x0D)] + offsets[0]
        if len(breaks):
            out[np.searchsorted(offsets, breaks, side="right") - 1] = True
    return out


# A character that is never text: C0 and C1 controls (a tab and line breaks aside: the
# stray-whitespace warning's), DEL, and the bidirectional marks, embeddings, overrides and
# isolates (U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what a reader sees:
# a name with U+202E shows backwards, one record looks like another.
CONTROL_CHARACTERS = (
    "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
    + "".join(chr(c) for c in range(0x7F, 0xA0))
    + "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# What text read in the wrong encoding leaves in a Chinese field: the replacement character
# U+FFFD, Latin-1 letters (UTF-8 read as Latin-1: "æ±Ÿé˜´"), Cyrillic (GBK read as a Cyrillic
# code page). × and ÷ (U+00D7, U+00F7) are real text; so is the middle dot of a name
# (U+00B7, 阿卜杜·热合曼), which is not among them.
GARBLED_CHARACTERS = (
    "\ufffd"
    + "".join(chr(c) for c in range(0xC0, 0x100) if c not in (0xD7, 0xF7))
    + "".join(chr(c) for c in range(0x400, 0x480))
)


def holds_control(cells) -> np.ndarray:
    """Per cell of a valid UTF-8 Arrow string array: it holds one of CONTROL_CHARACTERS or
    GARBLED_CHARACTERS (missing cells: False). One pass marks the few bytes that can begin
    one (below 0x20, 0x7F, 0xC2–0xE2, 0xEF); only those are looked at again."""
    out = np.zeros(len(cells), dtype=bool)
    offsets, data = offsets_and_data(cells)
    body = data[offsets[0] :]
    if not len(body):
        return out
    lead = body < 0x20
    lead |= body == 0x7F
    lead |= (body - np.uint8(0xC2)) <= 0x20  # 0xC2 to 0xE2, in one comparison
    lead |= body == 0xEF
    at = np.flatnonzero(lead)
    if not len(at):
        return out
    last = len(body) - 1
    b, b1, b2 = body[at], body[np.minimum(at + 1, last)], body[np.minimum(at + 2, last)]
    bad = ((b < 0x20) & (b != 0x09) & (b != 0x0A) & (b != 0x0D)) | (b == 0x7F)
    bad |= (b == 0xC2) & (b1 >= 0x80) & (b1 <= 0x9F)  # C1 controls
    bad |= (b == 0xC3) & (b1 != 0x97) & (b1 != 0xB7)  # Latin-1 letters
    bad |= (b == 0xD0) | (b == 0xD1)  # U+0400–U+047F
    bad |= (b == 0xE2) & (b1 == 0x80) & (((b2 >= 0x8E) & (b2 <= 0x8F)) | ((b2 >= 0xAA) & (b2 <= 0xAE)))
    bad |= (b == 0xE2) & (b1 == 0x81) & (b2 >= 0xA6) & (b2 <= 0xA9)
    bad |= (b == 0xEF) & (b1 == 0xBF) & (b2 == 0xBD)  # U+FFFD
    hits = at[bad] + offsets[0]
    if len(hits):
        out[np.searchsorted(offsets, hits, side="right") - 1] = True
    return out
