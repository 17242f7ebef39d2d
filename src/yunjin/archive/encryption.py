"""AES-128 HLS encryption (RFC 8216 §5.2): segments encrypted at rest, a key per channel-hour.

Keys are derived, not stored: ``HMAC-SHA256(secret, "{channel}/{YYYYMMDDHH}")[:16]``, so
every box with the secret serves the same key and rotation is hourly with the archive's
buckets.  Each segment is AES-128-CBC with PKCS#7 padding and, as the RFC's default, its
media sequence number as the IV, so playlists need no IV attribute.

The archive encrypts a segment as it commits it (``archive.store``) and the key route serves
the same keys (``api.hls``): both live here, in the archive, which imports nothing of
``delivery`` (ADR 0031).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from yunjin.archive.playlist import key_file_name
from yunjin.archive.segment import HOUR_MS

KEY_NAME = re.compile(r"^(\d{10})\.key$")


def hour_of_key(name: str) -> int | None:
    match = KEY_NAME.match(name)
    if match is None:
        return None
    try:
        moment = datetime.strptime(match.group(1), "%Y%m%d%H").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp()) // 3600


class ChannelKeys:
    """The keys of one channel."""

    def __init__(self, secret: str, channel: str) -> None:
        self._secret = secret.encode()
        self.channel = channel

    def key(self, hour: int) -> bytes:
        material = f"{self.channel}/{key_file_name(hour)[:10]}".encode()
        return hmac.new(self._secret, material, hashlib.sha256).digest()[:16]

    def key_at(self, ms: int) -> bytes:
        return self.key(ms // HOUR_MS)


def sequence_iv(seq: int) -> bytes:
    """The RFC's default IV: the media sequence number, big-endian, in 16 octets."""
    return seq.to_bytes(16, "big")


def encrypt_segment(data: bytes, key: bytes, seq: int) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(sequence_iv(seq))).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def decrypt_segment(data: bytes, key: bytes, seq: int) -> bytes:
    decryptor = Cipher(algorithms.AES(key), modes.CBC(sequence_iv(seq))).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()
