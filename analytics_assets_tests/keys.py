"""Test helper: a syntactically real service-account key (a fresh RSA key, valid for no project)."""

from __future__ import annotations

import functools
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@functools.cache
def service_account_key(token_uri: str = "https://oauth2.googleapis.com/token") -> str:
    """The JSON of a service-account key Google's client accepts (and Google never would)."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "acme-analytics",
            "private_key_id": "0123",
            "private_key": pem,
            "client_email": "loader@acme-analytics.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": token_uri,
        }
    )
