"""The bytes of a SQLCipher database file as its pages hold them, decrypted: every
page, live or free, so that a test can tell that an erased value is gone from the
file itself and not only from what SQL returns.

SQLCipher 4 with a raw key (how Permanence keys its databases): each page is
AES-256-CBC under that key, the page's IV and HMAC in its last 80 bytes; the first 16
bytes of the file are the salt.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE = 4096
RESERVE = 80  # IV (16) + HMAC-SHA512 (64)


def decrypted_pages(path: Path, key: bytes) -> bytes:
    data = Path(path).read_bytes()
    out = bytearray()
    for start in range(0, len(data), PAGE):
        page = data[start:start + PAGE]
        if len(page) < PAGE:
            break
        first = 16 if start == 0 else 0  # the salt
        iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
        decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
        out += decryptor.update(page[first:PAGE - RESERVE]) + decryptor.finalize()
    return bytes(out)


def holds(path: Path, key: bytes, *needles: str) -> list[str]:
    """The needles found in the decrypted file (UTF-8, as SQLite stores text)."""
    data = decrypted_pages(path, key)
    return [n for n in needles if n.encode("utf-8") in data]
