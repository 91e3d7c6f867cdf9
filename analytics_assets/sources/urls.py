"""URLs that may be shown: without user info, credential-like query values masked.

An API's URL travels into logs, errors and the UI; :func:`safe_url` is what may be shown
of it, and :func:`refuse_credentials_in_url` keeps credentials out of configured URLs
altogether (a token belongs in its own secret variable, sent in a header). An API may
also echo what it was sent (the token, the URL) in an error body: a :class:`Redactor`
masks every secret of a request in such text before it reaches an error or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import httpx

#: Query parameters whose values are credentials; shown as ``***`` in logs and errors.
SECRET_PARAMETER_WORDS = ("token", "key", "secret", "password", "signature", "auth")
#: Shorter values are not masked in free text (they would mask ordinary words and digits).
_MIN_SECRET_CHARS = 4


def _is_secret_name(name: str) -> bool:
    return any(word in name.lower() for word in SECRET_PARAMETER_WORDS)


def safe_url(url: str | httpx.URL) -> str:
    """``url`` without user info and with credential-like query values replaced by ``***``."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [
            (name, "***" if _is_secret_name(name) else value)
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
        name for name, _ in parse_qsl(parts.query, keep_blank_values=True) if _is_secret_name(name)
    ]
    if secret:
        raise ValueError(f"the URL holds credential-like query parameters {secret}")
    return url


@dataclass(frozen=True)
class Redactor:
    """Masks given secrets (as sent, and URL-encoded) with ``***`` in any text."""

    secrets: tuple[str, ...]

    @classmethod
    def of(cls, url: str | httpx.URL, token: str | None) -> Redactor:
        """The secrets of a request to ``url`` carrying ``token``: the token, the values of
        credential-like query parameters, the URL's user info."""
        parts = urlsplit(str(url))
        found = [token or "", parts.username or "", parts.password or ""]
        found += [
            value
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if _is_secret_name(name)
        ]
        variants = {v for s in found for v in (s, quote(s, safe=""), quote_plus(s))}
        return cls(tuple(sorted((v for v in variants if len(v) >= _MIN_SECRET_CHARS), key=len)))

    def __call__(self, text: str) -> str:
        for secret in reversed(self.secrets):  # longest first: an encoded form may contain another
            text = text.replace(secret, "***")
        return text
