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

#: Query parameters whose values are shown in logs and errors: paging and time windows.
#: Every other value is shown as ``***``: a credential can hide behind any name (``sig``,
#: ``pwd``, ``jwt``...), so what is shown is allowed by name, not what is hidden.
SHOWN_PARAMETERS = frozenset(
    {
        "page", "page_size", "per_page", "limit", "offset", "size", "count", "start", "end",
        "from", "to", "since", "until", "after", "before", "date", "day", "days", "sort",
        "order", "fields", "format", "include", "cursor",
    }
)  # fmt: skip
SHOWN_SUFFIXES = ("_after", "_before", "_since", "_until", "_from", "_to", "_date", "_day")
#: Query parameters whose values are credentials for certain (masked in free text too).
SECRET_PARAMETER_WORDS = ("token", "key", "secret", "password", "signature", "auth")
#: Shorter values are not masked in free text (they would mask ordinary words and digits).
_MIN_SECRET_CHARS = 4


def _is_shown(name: str) -> bool:
    lowered = name.lower()
    return lowered in SHOWN_PARAMETERS or lowered.endswith(SHOWN_SUFFIXES)


def _is_secret_name(name: str) -> bool:
    return not _is_shown(name) or any(word in name.lower() for word in SECRET_PARAMETER_WORDS)


def safe_url(url: str | httpx.URL) -> str:
    """What may be shown of ``url``: scheme, host, port, path, the query's names, and the
    values of paging and time parameters only (others ``***``); no user info, no fragment."""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    query = urlencode(
        [
            (name, value if _is_shown(name) else "***")
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe=":+*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def refuse_credentials_in_url(url: str) -> str:
    """``url`` if it is an http(s) URL of a host, a port and a path only; else a ValueError
    that shows none of it that could be a credential (user info, query, fragment)."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number ("user:password@host")
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "it is not an http(s) URL like https://api.example.com/v1 (it is not shown: it may "
            "hold a credential)"
        )
    shown = urlunsplit((parts.scheme, f"{parts.hostname}:{port}" if port else parts.hostname,
                        parts.path, "", ""))  # fmt: skip
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"the URL holds user info ({shown} with user:password@)")
    if parts.query or parts.fragment:
        names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
        raise ValueError(
            f"the URL holds a query or a fragment ({shown} with {names or 'a #fragment'}): a "
            "configured URL is a host and a path; a credential goes in its own variable, "
            "parameters in the extractor's params"
        )
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
