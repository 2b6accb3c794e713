"""Reading an import file one row at a time, with row numbers a spreadsheet would show.

The file is opened in binary and read line by line; each line is decoded on its own, so a byte
that does not fit the encoding is reported at the row that holds it, and nothing more than one
row (plus the csv module's small buffer) is ever held in memory, whatever the file's size.
The header is row 1 and the first data row is row 2; a value spread over several lines (inside
quotes) still counts as one row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from justculture.fairness.csvfiles import place_message

# The longest single value accepted (a free-text description can be long; the csv module's own
# default of 128 KiB is kept as the floor).
MAX_FIELD = 1_000_000
ENCODINGS = ("utf-8", "cp1252", "latin-1")


@dataclass
class FileProblem(Exception):
    """Something wrong with the file as a whole: nothing is imported from it (exit status 2)."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return place_message(self.file, self.row, self.column, self.message)


def check_encoding(name: str) -> str:
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding '{name}'. Use one of: {', '.join(ENCODINGS)}.") from None
    if codec not in {codecs.lookup(e).name for e in ENCODINGS}:
        raise ValueError(f"the encoding '{name}' is not supported. Use one of: {', '.join(ENCODINGS)}.")
    return codec


class CsvSource:
    """One pass over a CSV file: ``header`` once, then ``rows()`` yields (row number, values).

    ``on_bytes`` (if given) is told how many bytes each physical line had, for a progress bar,
    and ``sha256`` holds the hash of every byte read once the pass has finished.
    """

    def __init__(self, path: Path, *, label: str, encoding: str = "utf-8",
                 on_bytes: Callable[[int], None] | None = None) -> None:
        self.path = path
        self.label = label
        self.encoding = check_encoding(encoding)
        self.on_bytes = on_bytes
        self.row = 1  # the row being read (1 = the header)
        self._hash = hashlib.sha256()
        self._file: BinaryIO | None = None
        self.header: list[str] = []

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def __enter__(self) -> CsvSource:
        csv.field_size_limit(max(MAX_FIELD, csv.field_size_limit()))
        try:
            self._file = self.path.open("rb")
        except FileNotFoundError:
            raise FileProblem(self.label, None, None, "there is no such file.") from None
        except IsADirectoryError:
            raise FileProblem(self.label, None, None, "this is a folder, not a file.") from None
        except OSError as exc:
            raise FileProblem(self.label, None, None, f"the file cannot be opened ({exc.strerror}).") from None
        self._reader = csv.reader(self._lines(), strict=True)
        header = self._next()
        if header is None or not any(h.strip() for h in header):
            raise FileProblem(self.label, None, None, "the file is empty: its first row must name the columns.")
        self.header = [h.strip() for h in header]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()

    def _lines(self) -> Iterator[str]:
        assert self._file is not None
        decoder_name = self.encoding
        first = True
        for raw in self._file:
            self._hash.update(raw)
            if self.on_bytes is not None:
                self.on_bytes(len(raw))
            if b"\x00" in raw:
                raise FileProblem(self.label, self.row, None, "the file holds NUL bytes, so it is not CSV text "
                                  "(is it a spreadsheet or UTF-16 file? Save it as CSV UTF-8).")
            if first and decoder_name == "utf-8" and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            first = False
            try:
                yield raw.decode(decoder_name)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start:exc.start + 1].hex()
                raise FileProblem(
                    self.label, self.row, None,
                    f"the text is not {self.encoding} (byte 0x{bad}); save the file as CSV UTF-8, or name its "
                    "encoding with --encoding (for example cp1252 for older Windows exports).",
                ) from None

    def _next(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise FileProblem(self.label, self.row, None, f"the CSV cannot be read here ({exc}); check the "
                              "quotes in this row.") from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, values) for every row after the header, blank rows left out."""
        while True:
            self.row += 1
            values = self._next()
            if values is None:
                self.row -= 1
                return
            if not any(v.strip() for v in values):
                continue
            yield self.row, values
