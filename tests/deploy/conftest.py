"""Fixtures for the deployment tests."""

from __future__ import annotations

import socket

import pytest


def find_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def free_port() -> int:
    """A local TCP port with nothing listening on it (for a server to start on, or to be refused)."""
    return find_free_port()
