"""A delivery's fingerprint: the SHA-256 of its records themselves, so the same records
sent again — re-exported, renamed, re-encoded, as CSV or XLSX — are one batch."""

from __future__ import annotations

import hashlib
import json

from creditpipe.core.records import PUBLISHED, ROW_ID, frame_table


def records_fingerprint(records) -> str:
    """SHA-256 of the records themselves (fields in catalog order, rows in file order):
    equal for the same data sent as CSV or XLSX, in any encoding, under any name."""
    return Fingerprint().update(records).hexdigest()


class Fingerprint:
    """``records_fingerprint`` fed chunk by chunk (the same digest as the whole at once).

    Each record is its fields' UTF-8 bytes, each followed by 0xFF (a byte no UTF-8 text
    holds, so the encoding is unambiguous); a blank cell is empty. Computed by Arrow a
    column at a time: a Python call per record cost more than reading the file."""

    def __init__(self):
        self.digest = hashlib.sha256()
        self.started = False

    def update(self, records) -> Fingerprint:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        table = records if isinstance(records, pa.Table) else frame_table(records)
        fields = [c for c in table.column_names if c not in (ROW_ID, PUBLISHED)]
        if not self.started:
            self.digest.update(json.dumps(fields, ensure_ascii=False).encode())
            self.started = True
        if table.num_rows == 0:
            return self
        columns = [table.column(f).cast(pa.string()).cast(pa.binary()) for f in fields]
        end = pa.scalar(b"", pa.binary())
        joined = pc.binary_join_element_wise(
            *columns, end, pa.scalar(b"\xff", pa.binary()), null_handling="replace", null_replacement=b""
        )
        for chunk in joined.chunks:
            chunk = pa.concat_arrays([chunk])  # unsliced: its bytes are one contiguous run
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            if offsets[-1] > offsets[0]:
                self.digest.update(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])
        return self

    def hexdigest(self) -> str:
        return self.digest.hexdigest()
