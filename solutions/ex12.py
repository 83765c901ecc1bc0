"""Solutions for notebook 12 (API keys and personal access tokens)."""

from tokenlab.apikeys import ALPHABET, KINDS, checksum


def looks_like_valid_key(text):
    """Exercise 12.1: the shape first (prefix, kind, 38 letters and digits), then the checksum of everything
    before the last 6 characters. No database is needed, so an API can refuse noise before any lookup."""
    if not isinstance(text, str):
        return False
    parts = text.split("_")
    if len(parts) != 3 or parts[0] != "tl" or parts[1] not in KINDS:
        return False
    body = parts[2]
    if len(body) != 38 or any(ch not in ALPHABET for ch in body):
        return False
    return checksum(text[:-6]) == text[-6:]


STORAGE_CHOICES = {"password": "D", "api_key": "C", "webhook_secret": "B"}
"""Exercise 12.2: a password is chosen by a person, so guessing it is cheap unless each guess is made
expensive: a slow, salted hash (D). An API key has 190 random bits, so a plain SHA-256 (C) already makes
guessing hopeless, and lets the API find the key's record by its hash in one lookup (as NIST reasons for random look-up secrets, SP 800-63B §5.1.2.2).
A webhook signing secret must be used by the server itself to compute HMACs, so it cannot be hashed: encrypt
it at rest (B) and keep the encryption key elsewhere. Plain text (A) is never right."""
