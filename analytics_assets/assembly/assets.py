"""Extractor classes -> the location's assets: an extract asset each, a delta view where due."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import dagster as dg

from analytics_assets.assembly.delta_view_asset import build_delta_view_asset
from analytics_assets.assembly.extract_asset import RunPolicy, build_extract_asset
from analytics_assets.assembly.location_names import LocationNames
from analytics_assets.extract import Extractor


def build_extractor_assets(
    extractors: Sequence[type[Extractor[Any]]],
    partitions_def: dg.TimeWindowPartitionsDefinition,
    table_prefix: str,
    policy: RunPolicy | None = None,
    names: LocationNames = LocationNames(),
) -> list[dg.AssetsDefinition]:
    assets = []
    with warnings.catch_warnings():
        # BackfillPolicy is flagged beta on every asset; it is the point of this design
        # (DESIGN.md), so the warning would only repeat once per asset in every log.
        warnings.simplefilter("ignore", dg.BetaWarning)
        for extractor_cls in extractors:
            assets.append(
                build_extract_asset(extractor_cls, partitions_def, table_prefix, policy, names)
            )
            if extractor_cls.table.differentiated:
                assets.append(
                    build_delta_view_asset(
                        extractor_cls.table,
                        partitions_def,
                        table_prefix,
                        names,
                        owners=extractor_cls.owners,  # whoever owns the table owns its view
                    )
                )
    return assets
