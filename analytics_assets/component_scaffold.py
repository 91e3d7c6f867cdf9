"""What ``dg scaffold defs analytics_assets.ExtractorsComponent <path>`` writes: a commented
``defs.yaml`` naming every attribute a team sets, with the values given on the command line
(``--extractor-modules``, ``--first-date``, ``--timezone``, ``--dataset``) or placeholders."""

from __future__ import annotations

import dagster as dg
from pydantic import BaseModel

TEMPLATE = """\
type: {type_name}

attributes:
  # production: BigQuery in warehouse.project; local: the embedded BigQuery emulator.
  environment: "{{{{ env('ANALYTICS_ENV', 'local') }}}}"
  extractor_modules:
    - {extractor_modules}          # your extractor package (one module per extractor)
  first_date: "{first_date}"       # the first day to extract
  timezone: {timezone}             # local days in this zone (23 h / 25 h on DST days)
  warehouse:
    project: "{{{{ env('BIGQUERY_PROJECT', '') }}}}"   # production only
    dataset: {dataset}             # also the first part of every asset key
    location: EU
  sources:
    django:
      settings_module: acme.settings   # your Django settings module
    # an HTTP API source http_api("desk_api"): its URL, and the variable holding its token
    # desk_api:
    #   url: https://desk.example.com
    #   token_env: DESK_API_TOKEN
  schedule:
    hour: 0                        # the daily run, local time
    minute: 15
"""


class ScaffoldParams(BaseModel):
    """Values for the scaffolded ``defs.yaml`` (placeholders for those not given)."""

    extractor_modules: str = "acme_analytics.extractors"
    first_date: str = "2026-01-01"
    timezone: str = "Europe/Paris"
    dataset: str = "analytics"


class ExtractorsComponentScaffolder(dg.Scaffolder[ScaffoldParams]):
    """Writes ``defs.yaml`` for one ExtractorsComponent instance."""

    @classmethod
    def get_scaffold_params(cls) -> type[ScaffoldParams]:
        return ScaffoldParams

    def scaffold(self, request: dg.ScaffoldRequest[ScaffoldParams]) -> None:
        params = request.params or ScaffoldParams()
        text = TEMPLATE.format(type_name=request.type_name, **params.model_dump())
        (request.target_path / "defs.yaml").write_text(text)
