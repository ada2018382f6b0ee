"""Bad input never makes the server fail: after each protocol test, the shared server has logged no error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server_process import ServerProcess


def _errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if '"level":"ERROR"' in line or '"level":"CRITICAL"' in line]


@pytest.fixture(autouse=True)
def no_server_errors(live_server: ServerProcess) -> Iterator[None]:
    before = len(live_server.log())
    yield
    errors = _errors(live_server.log()[before:])
    assert not errors, "the shared server logged errors during this test:\n" + "\n".join(errors)[:3000]
