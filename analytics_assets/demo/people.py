"""Deterministic fake identities of demo customers: names and unique email addresses, no faker."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from typing import NamedTuple

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Jade", "Louise", "Zoé", "Alice", "Emma",
    "Sarah", "Lina", "Anna", "Julia", "Rose", "Agathe", "Margaux", "Elsa", "Nora", "Mila",
    "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Adam", "Nathan", "Raphaël", "Léo",
    "Tom", "Théo", "Noah", "Paul", "Victor", "Sacha", "Mathis", "Ethan", "Antoine", "Yanis",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
)  # fmt: skip
DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "shop.example")


class Identity(NamedTuple):
    full_name: str
    first_name: str
    email: str


def identity(seed: int, day: dt.date, index: int) -> Identity:
    """The identity of the ``index``-th customer who joined on ``day``; the email is unique."""
    digest = hashlib.blake2b(f"{seed}-{day.isoformat()}-{index}".encode(), digest_size=8).digest()
    draw = int.from_bytes(digest, "big")
    first = FIRST_NAMES[draw % len(FIRST_NAMES)]
    draw //= len(FIRST_NAMES)
    last = LAST_NAMES[draw % len(LAST_NAMES)]
    draw //= len(LAST_NAMES)
    domain = DOMAINS[draw % len(DOMAINS)]
    local_part = f"{_ascii(first)}.{_ascii(last)}.{day:%Y%m%d}.{index}"
    return Identity(full_name=f"{first} {last}", first_name=first, email=f"{local_part}@{domain}")


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return decomposed.encode("ascii", "ignore").decode().lower()
