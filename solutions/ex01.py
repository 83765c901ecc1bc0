"""Solutions for notebook 01 (What is an API token)."""

import math

ENTROPY_BITS = 20 * math.log2(62)
"""Exercise 1.2: 62 symbols (26 + 26 + 10), 20 of them, each adding log2(62) ≈ 5.95 bits: ≈ 119.1 bits.

That is below the 128 bits RFC 6749 §10.10 requires of generated tokens (a guessing probability of at
most 2^-128; 2^-160 recommended): 22 such characters reach 128 bits, 27 reach 160."""

AUTHN_OR_AUTHZ = {
    "a": "authentication",  # a password check answers "who are you?"
    "b": "authorization",  # the caller is known; the scope decides what it may do
    "c": "authentication",  # the signature authenticates the token: who issued it, and that it is unchanged
    "d": "authorization",  # the user is known; the role decides what they may see
    "e": "neither",  # a signature proves who ISSUED a token, never who PRESENTS it: any bearer can (RFC 6750 §1.2)
}
"""Exercise 1.1."""
