"""Warehouse errors worth retrying: Google's 429 and 5xx, and BigQuery's concurrent-update abort.

Real BigQuery aborts the second of two transactions that write one table at the same
time (``Transaction is aborted due to concurrent update``, a 400); the table pools make
it rare, and running the transaction again is the remedy (the day replace does,
:mod:`.day_replace`). Only libraries already imported are looked at: an error of a
library that was never imported cannot have been raised.
"""

from __future__ import annotations

import sys

CONCURRENT_UPDATE_ABORT = "due to concurrent update"


def is_concurrent_update_abort(error: BaseException) -> bool:
    """BigQuery aborted a transaction because another one wrote the same table meanwhile."""
    google_errors = sys.modules.get("google.api_core.exceptions")
    return (
        google_errors is not None
        and isinstance(error, google_errors.BadRequest)
        and CONCURRENT_UPDATE_ABORT in str(error)
    )


def is_transient_warehouse_error(error: BaseException) -> bool:
    google_errors = sys.modules.get("google.api_core.exceptions")
    if google_errors is None:
        return False
    transient = (google_errors.ServerError, google_errors.TooManyRequests, google_errors.RetryError)
    if isinstance(error, transient):
        return True
    return is_concurrent_update_abort(error)
