"""Which text encoding a file is in, told by its byte-order mark, and what to say when it is none.

evalign reads UTF-8 (with or without Excel's BOM) and, when a BOM says so, UTF-16 or UTF-32 (what
Excel's "Unicode Text" export writes). Every other encoding is refused at the first byte that is
not UTF-8, naming the byte, what it would be in Windows-1252 (the usual culprit), and the
remedy; guessing a legacy code page could turn `é` into `Ã©` in every label and prompt.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from evalign.errors import DataError

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
REMEDY = ("save the file as UTF-8 (Excel: Save As > CSV UTF-8; or run "
          "`iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8.csv`) and import it again")


def encoding_of(head: bytes) -> str:
    """`utf-8`, `utf-16` or `utf-32`, from the byte-order mark at the start of `head`."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return "utf-8"


def wide_lines(handle: BinaryIO, encoding: str, name: str) -> Iterator[tuple[int, str]]:
    """The numbered lines of a UTF-16 or UTF-32 file (the BOM is consumed by the codec).

    Raises:
        DataError: bytes that are not valid in `encoding`, at about the line they are on.
    """
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    number = 0
    try:
        for line in text:
            number += 1
            yield number, line
    except UnicodeDecodeError as exc:
        raise DataError(
            f"bytes that are not valid {encoding.upper()} ({exc.reason}) after this line: "
            f"the file starts with a {encoding.upper()} byte-order mark but is damaged; "
            "save it again as UTF-8", name, number + 1,
        ) from None
    finally:
        text.detach()


def not_utf8(raw: bytes, start: int) -> str:
    """The message for a line whose byte at `start` is not UTF-8."""
    byte = raw[start]
    guess = bytes([byte]).decode("cp1252", errors="replace")
    seen = f", which Windows-1252 reads as {guess!r}" if guess != "\ufffd" else ""
    return (f"byte 0x{byte:02x} at column {start + 1} is not UTF-8{seen}: the file is in "
            f"another encoding; {REMEDY}")


def nul_message() -> str:
    """The message for a line that holds a NUL byte in a file without a byte-order mark."""
    return ("the line holds NUL bytes (0x00): the file looks like UTF-16 without a byte-order "
            "mark, or is not a text file; save it as UTF-8 (Excel: Save As > CSV UTF-8; or run "
            "`iconv -f UTF-16LE -t UTF-8 FILE > FILE.utf8.csv`) and import it again")
