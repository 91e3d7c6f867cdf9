"""URLs that may be shown: without user info, credential-like query values masked.

An API's URL travels into logs, errors and the UI; :func:`safe_url` is what may be shown
of it, and :func:`refuse_credentials_in_url` keeps credentials out of configured URLs
altogether (a token belongs in its own secret variable, sent in a header).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

#: Query parameters whose values are credentials; shown as ``***`` in logs and errors.
SECRET_PARAMETER_WORDS = ("token", "key", "secret", "password", "signature", "auth")


def safe_url(url: str | httpx.URL) -> str:
    """``url`` without user info and with credential-like query values replaced by ``***``."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [
            (name, "***" if any(w in name.lower() for w in SECRET_PARAMETER_WORDS) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe=":+*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def refuse_credentials_in_url(url: str) -> str:
    """``url`` if it carries no user info and no credential-like query value; else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{safe_url(url)!r} is not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the URL holds user info ({safe_url(url)} with user:password@)")
    secret = [
        name
        for name, _ in parse_qsl(parts.query, keep_blank_values=True)
        if any(word in name.lower() for word in SECRET_PARAMETER_WORDS)
    ]
    if secret:
        raise ValueError(f"the URL holds credential-like query parameters {secret}")
    return url
