"""Solutions for notebook 01 (What is an API token)."""

import math

ENTROPY_BITS = 20 * math.log2(62)
"""Exercise 1.2: 62 symbols (26 + 26 + 10), 20 of them, each adding log2(62) ≈ 5.95 bits: ≈ 119.1 bits."""

AUTHN_OR_AUTHZ = {
    "a": "authentication",  # a password check answers "who are you?"
    "b": "authorization",  # the caller is known; the scope decides what it may do
    "c": "authentication",  # a signature says who issued and presented the token
    "d": "authorization",  # the user is known; the role decides what they may see
}
"""Exercise 1.1."""
