"""Personal data at rest: SM4-GCM field encryption, blind indexes for lookups, SM3 digests, masking.

The raw database column holds ``sm4gcm:v1:<base64(nonce | ciphertext | tag)>``, never the plaintext.
"""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import models

PREFIX = "sm4gcm:v1:"
NONCE_BYTES = 12
TAG_BYTES = 16


@lru_cache(maxsize=4)
def _key(material: str) -> bytes:
    key = bytes.fromhex(material)
    if len(key) != 16:
        raise ValueError("JIGUAN_DATA_KEY must be 32 hexadecimal characters (an SM4 key is 128 bits).")
    return key


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(_key(settings.DATA_ENCRYPTION_KEY)), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode("ascii")


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("value is not an encrypted field value")
    raw = base64.b64decode(stored[len(PREFIX) :])
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(_key(settings.DATA_ENCRYPTION_KEY)), modes.GCM(nonce, tag)).decryptor()
    return (decryptor.update(body) + decryptor.finalize()).decode()


def blind_index(value: str) -> str:
    """Keyed digest so equal values can be found and kept unique without storing them."""
    key = hashlib.sha256(b"blind-index:" + _key(settings.DATA_ENCRYPTION_KEY)).digest()
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; Python sees plaintext. Not filterable: pair it with a blind index."""

    def from_db_value(self, value, expression, connection):
        return value if value in (None, "") else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return value if value.startswith(PREFIX) else encrypt(value)


def mask_id_number(value: str) -> str:
    """GB 11643 number shown as first 6 + last 4: ``360102********1234``."""
    if not value:
        return ""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:]


def mask_phone(value: str) -> str:
    """Mobile number shown as 3 + 4: ``138****5678``."""
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
