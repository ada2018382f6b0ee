"""Tokens: 192 random bits, URL-safe, and usable after an option on a command line (a leading '-' made
`openscg export … --token TOKEN` fail for 1 session in 64, seen in CI)."""

from __future__ import annotations

import re

from openscg.tokens import hash_token, new_token, token_matches


def test_tokens_are_url_safe_long_distinct_and_never_start_with_a_dash():
    tokens = [new_token() for _ in range(5000)]  # with 1 in 64 starting with '-', ~78 would here
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", token) for token in tokens)
    assert not [token for token in tokens if token.startswith("-")]
    assert len(set(tokens)) == len(tokens)


def test_a_token_matches_only_its_own_hash():
    token, other = new_token(), new_token()
    assert token_matches(token, hash_token(token))
    assert not token_matches(other, hash_token(token))
    assert not token_matches(token, None)
