"""Addresses of a local emulator: its URL, its liveness probe, free and taken ports."""

from __future__ import annotations

import socket

import httpx


def emulator_url(port: int) -> str:
    """The REST endpoint of an emulator listening on ``port`` on this machine."""
    return f"http://127.0.0.1:{port}"


def is_healthy(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers the emulator's liveness probe ``/healthz`` with 200."""
    try:
        response = httpx.get(f"{url.rstrip('/')}/healthz", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """True when a server could bind ``port`` on 127.0.0.1 (as uvicorn does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
