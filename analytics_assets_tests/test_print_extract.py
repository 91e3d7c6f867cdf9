"""`print-extract` prints each extractor's checked rows per local day and touches no warehouse.

The demo data is placed by hand in the week of the 2024-03-31 spring-forward day in
Europe/Paris (23 h), with instants on local midnights and instants whose UTC day differs
from their local day, so a UTC or 24 h window would print other numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result
from google.cloud import bigquery
from rich.console import Console

import analytics_assets.local.emulator as emulator_module
import analytics_assets.local.emulator_process as emulator_process
from analytics_assets.cli import main
from analytics_assets.dry_run import print_extract
from analytics_assets.extract import DateAggregatedExtractor, day_window, last_complete_day
from analytics_assets.local.config import load_emulator_settings
from analytics_assets.rows.staging import RowStager
from analytics_assets.rows.values import RowValidationError
from analytics_assets.settings import load_settings
from analytics_assets_tests.http_servers import demo_api
from analytics_assets_tests.shop_rows import contracts, customer, emails
from analytics_assets_tests.team_code import install_team_package

__all__ = ["demo_api"]

PARIS = ZoneInfo("Europe/Paris")
WEEK = [dt.date(2024, 3, 25) + dt.timedelta(days=n) for n in range(7)]
WIDTH = 120


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """Paris days, local files in tmp_path, and no BigQuery of any kind configured."""
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("ANALYTICS_LOCAL_DIR", str(tmp_path))
    for name in ("BIGQUERY_EMULATOR_URL", "BIGQUERY_PROJECT", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def shop(db):
    """Five customers, four contracts and four emails around the week of the DST change."""
    customer("eve", "2024-03-24T23:59:59+01:00")  # the day before the week
    ada = customer("ada", "2024-03-25T00:00:00+01:00", "2024-03-31T03:30:00+02:00")
    customer("bob", "2024-03-27T23:30:00+01:00")
    customer("cyd", "2024-03-31T01:30:00+01:00")  # just before clocks jump from 2:00 to 3:00
    customer("dan", "2024-04-01T00:30:00+02:00")  # local 1 April, still 31 March in UTC
    contracts(
        ada,
        [
            ("2024-03-26T12:00:00+01:00", "20.00"),
            ("2024-03-31T10:00:00+02:00", "100.00"),
            ("2024-03-31T23:59:00+02:00", "50.50"),
            ("2024-04-01T00:10:00+02:00", "10.00"),  # 31 March 22:10 UTC
        ],
    )
    emails(
        ada,
        [
            ("2024-03-25T00:00:00+01:00", "welcome", True),  # exactly the week's first midnight
            ("2024-03-31T01:59:59+01:00", "reminder", False),
            ("2024-03-31T03:00:00+02:00", "invoice", True),
            ("2024-04-01T00:00:00+02:00", "newsletter", True),  # exactly the next local midnight
        ],
    )


# --- reading the printed tables back ------------------------------------------------------

_TITLE = re.compile(r"^\s*(\w+) · (\d{4}-\d\d-\d\d) · ([\d.]+) h\s*$")
_WINDOW = re.compile(r"^\s*\[(\S+), (\S+)\)\s*$")
_COUNT = re.compile(r"^\s*(\d+) rows?\s*$")


@dataclass
class Printed:
    hours: str
    window: tuple[str, str] | None = None
    header: list[str] | None = None
    rows: list[list[str]] | None = None
    count: int | None = None
    error: str | None = None


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split("[│┃]", line.strip()[1:-1])]


def parse(output: str) -> dict[tuple[str, str], Printed]:
    """``(table, day) -> what was printed for it``, in printing order."""
    printed: dict[tuple[str, str], Printed] = {}
    current: Printed | None = None
    for line in output.splitlines():
        if title := _TITLE.match(line):
            current = printed[(title[1], title[2])] = Printed(hours=title[3], rows=[])
        elif current is None:
            continue
        elif window := _WINDOW.match(line):
            current.window = (window[1], window[2])
        elif line.startswith("┃"):
            current.header = _cells(line)
        elif line.startswith("│"):
            assert current.rows is not None
            current.rows.append(_cells(line))
        elif count := _COUNT.match(line):
            current.count = int(count[1])
        elif line.startswith("error: "):
            current.error = line.removeprefix("error: ")
    return printed


#: The extractors reading the shop's Django models (the support desk's API has its own tests).
SHOP_TABLES = ("contract", "email", "user")


def run_cli(*args: str) -> Result:
    return CliRunner().invoke(main, ["print-extract", *args], env={"COLUMNS": str(WIDTH)})


def run_function(**kwargs) -> tuple[int, str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, color_system=None)
    code = print_extract(console, **kwargs)
    return code, buffer.getvalue()


def iso_window(day: dt.date) -> tuple[str, str]:
    start, end = day_window(day, PARIS)
    return start.isoformat(), end.isoformat()


# --- the DST week ---------------------------------------------------------------------------


@pytest.mark.usefixtures("shop")
def test_a_dst_week_prints_every_extractor_day_with_its_local_window_and_exact_rows():
    code, output = run_function(first=WEEK[0], last=WEEK[-1], extractor_names=SHOP_TABLES)
    assert code == 0, output
    printed = parse(output)
    expected_user = {
        "2024-03-25": ["2", "2", "0"],
        "2024-03-26": ["2", "2", "0"],
        "2024-03-27": ["3", "3", "0"],
        "2024-03-28": ["3", "3", "0"],
        "2024-03-29": ["3", "3", "0"],
        "2024-03-30": ["3", "3", "0"],
        "2024-03-31": ["4", "3", "1"],
    }
    expected_contract = {
        "2024-03-25": ["0", "NULL"],
        "2024-03-26": ["1", "20.00"],
        "2024-03-27": ["1", "NULL"],
        "2024-03-28": ["1", "NULL"],
        "2024-03-29": ["1", "NULL"],
        "2024-03-30": ["1", "NULL"],
        "2024-03-31": ["3", "75.25"],
    }
    expected_email = {day.isoformat(): [] for day in WEEK}
    expected_email["2024-03-25"] = [
        ["2024-03-25", "2024-03-25T00:00:00+01:00", "welcome", "True", "False"]
    ]
    expected_email["2024-03-31"] = [
        ["2024-03-31", "2024-03-31T01:59:59+01:00", "reminder", "False", "False"],
        ["2024-03-31", "2024-03-31T03:00:00+02:00", "invoice", "True", "False"],
    ]
    # Extractors in table-name order, each over the days in order.
    assert list(printed) == [(table, day.isoformat()) for table in SHOP_TABLES for day in WEEK]
    for (table, day), what in printed.items():
        date = dt.date.fromisoformat(day)
        assert what.error is None
        assert what.window == iso_window(date)
        assert what.hours == ("23" if day == "2024-03-31" else "24")
        if table == "user":
            assert what.header == ["date", "users", "prospects", "clients"]
            assert what.rows == [[day, *expected_user[day]]]
        elif table == "contract":
            assert what.header == ["date", "contracts", "average_value"]
            assert what.rows == [[day, *expected_contract[day]]]
        else:
            assert what.header == ["date", "timestamp", "kind", "opened", "bounced"]
            assert what.rows == expected_email[day]
        assert what.count == len(what.rows or [])
    assert printed[("user", "2024-03-31")].window == (
        "2024-03-31T00:00:00+01:00",
        "2024-04-01T00:00:00+02:00",
    )


@pytest.mark.usefixtures("shop")
def test_the_spring_forward_day_prints_as_this_exact_table():
    result = run_cli("-f", "2024-03-31", "-l", "2024-03-31", "--extractor", "user")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "               user · 2024-03-31 · 23 h               \n"
        "[2024-03-31T00:00:00+01:00, 2024-04-01T00:00:00+02:00)\n"
        "┏━━━━━━━━━━━━━━━━┳━━━━━━━━━┳━━━━━━━━━━━━━━┳━━━━━━━━━━┓\n"
        "┃ date           ┃ users   ┃ prospects    ┃ clients  ┃\n"
        "┡━━━━━━━━━━━━━━━━╇━━━━━━━━━╇━━━━━━━━━━━━━━╇━━━━━━━━━━┩\n"
        "│ 2024-03-31     │ 4       │ 3            │ 1        │\n"
        "└────────────────┴─────────┴──────────────┴──────────┘\n"
        "                        1 row                         \n"
        "\n"
    )


# --- choosing extractors and days ------------------------------------------------------------


@pytest.mark.usefixtures("shop")
def test_the_extractor_option_keeps_only_the_named_extractors_and_can_be_repeated():
    result = run_cli("-f", "2024-03-31", "-l", "2024-03-31", "--extractor", "user")
    assert result.exit_code == 0, result.output
    assert list(parse(result.output)) == [("user", "2024-03-31")]

    result = run_cli(
        "-f", "2024-03-30", "-l", "2024-03-31", "--extractor", "user", "--extractor", "email"
    )
    assert result.exit_code == 0, result.output
    assert list(parse(result.output)) == [
        ("email", "2024-03-30"),
        ("email", "2024-03-31"),
        ("user", "2024-03-30"),
        ("user", "2024-03-31"),
    ]


@pytest.mark.usefixtures("shop")
def test_both_bounds_are_inclusive():
    result = run_cli("-f", "2024-03-26", "-l", "2024-03-28", "--extractor", "contract")
    assert result.exit_code == 0, result.output
    assert list(parse(result.output)) == [
        ("contract", "2024-03-26"),
        ("contract", "2024-03-27"),
        ("contract", "2024-03-28"),
    ]


@pytest.mark.usefixtures("shop")
def test_without_bounds_it_prints_yesterday_in_the_configured_time_zone(monkeypatch):
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Pacific/Kiritimati")  # UTC+14
    yesterday = last_complete_day(dt.datetime.now(dt.UTC), ZoneInfo("Pacific/Kiritimati"))
    result = run_cli("--extractor", "user")
    assert result.exit_code == 0, result.output
    printed = parse(result.output)
    assert list(printed) == [("user", yesterday.isoformat())]
    assert printed[("user", yesterday.isoformat())].rows == [[yesterday.isoformat(), "5", "4", "1"]]
    start, end = day_window(yesterday, ZoneInfo("Pacific/Kiritimati"))
    assert printed[("user", yesterday.isoformat())].window == (start.isoformat(), end.isoformat())
    assert start.isoformat().endswith("+14:00")


@pytest.mark.usefixtures("shop")
def test_with_only_the_last_day_the_first_day_is_the_same_day():
    result = run_cli("-l", "2024-03-27", "--extractor", "user")
    assert result.exit_code == 0, result.output
    assert list(parse(result.output)) == [("user", "2024-03-27")]


def test_an_unknown_extractor_is_refused_with_the_known_names(db):
    result = run_cli("-f", "2024-03-31", "-l", "2024-03-31", "--extractor", "users")
    assert result.exit_code == 2
    known = "contract, email, support_ticket, user"
    assert f"unknown extractor 'users'; known extractors: {known}" in result.output
    assert not parse(result.output)


def test_a_last_day_before_the_first_day_is_refused(db):
    result = run_cli("-f", "2024-03-28", "-l", "2024-03-26")
    assert result.exit_code == 2
    assert "the last day (-l 2024-03-26) is before the first day (-f 2024-03-28)" in result.output
    assert not parse(result.output)


def test_a_day_that_has_not_ended_is_refused(db):
    today = dt.datetime.now(PARIS).date()
    yesterday = today - dt.timedelta(days=1)
    for args in (["-l", today.isoformat()], ["-f", today.isoformat(), "-l", "2099-01-01"]):
        result = run_cli(*args)
        assert result.exit_code == 2
        assert (
            f"day {today} has not ended yet in Europe/Paris; the last complete day is {yesterday}"
            in result.output
        )
        assert not parse(result.output)


def test_a_malformed_day_is_refused():
    result = run_cli("-f", "31/03/2024")
    assert result.exit_code == 2
    assert "'31/03/2024' does not match the format '%Y-%m-%d'" in result.output


# --- validation: the real run's checks, failures kept to their day --------------------------


@dataclass
class Tally:
    count: int
    share: float | None


class TallyExtractor(DateAggregatedExtractor[Tally]):
    """A NULL in a REQUIRED field on 27 March, no row at all on 28 March."""

    source = "python"

    def extract(self, start, end):
        if start.date() == dt.date(2024, 3, 27):
            yield Tally(count=None, share=0.5)  # type: ignore[arg-type]
        elif start.date() != dt.date(2024, 3, 28):
            yield Tally(count=1, share=None)


@dataclass
class Ping:
    pings: int


class PingExtractor(DateAggregatedExtractor[Ping]):
    """Fine every day but 29 March, when its source breaks."""

    source = "python"

    def extract(self, start, end):
        if start.date() == dt.date(2024, 3, 29):
            raise ConnectionError("source unreachable")
        yield Ping(pings=7)


def _run_error(extractor_cls, day: dt.date, rows) -> str:
    """The message a real run stages with for these rows."""
    with pytest.raises(RowValidationError) as error:  # noqa: SIM117
        with RowStager(
            extractor_cls.table, extractor_cls.row_type, extractor_cls.table.name, Path("/dev/null")
        ) as stager:
            stager.add_day(day, day_window(day, PARIS), rows)
    return str(error.value)


def test_refused_rows_print_the_run_s_error_exit_1_and_other_days_and_extractors_still_print():
    code, output = run_function(
        first=dt.date(2024, 3, 26),
        last=dt.date(2024, 3, 30),
        extractors=[TallyExtractor, PingExtractor],
        settings=load_settings(),
    )
    assert code == 1
    printed = parse(output)
    assert list(printed) == [
        (table, f"2024-03-{d}") for table in ("tally", "ping") for d in range(26, 31)
    ]
    errors = {key: what.error for key, what in printed.items() if what.error}
    assert errors == {
        ("tally", "2024-03-27"): _run_error(
            TallyExtractor,
            dt.date(2024, 3, 27),
            [Tally(count=None, share=0.5)],  # type: ignore[arg-type]
        ),
        ("tally", "2024-03-28"): _run_error(TallyExtractor, dt.date(2024, 3, 28), []),
        ("ping", "2024-03-29"): (
            "extractor 'ping' failed on day 2024-03-29 (window 2024-03-29T00:00:00+01:00 to "
            "2024-03-30T00:00:00+01:00): ConnectionError: source unreachable"
        ),
    }
    assert errors[("tally", "2024-03-27")] == (
        "extractor 'tally', day 2024-03-27, row 1, field 'count': None in a REQUIRED field "
        "(annotate it `X | None` to allow NULL)"
    )
    assert errors[("tally", "2024-03-28")] == (
        "extractor 'tally', day 2024-03-28: a date-aggregated extractor must yield exactly "
        "one row per day, it yielded 0"
    )
    assert printed[("tally", "2024-03-26")].rows == [["2024-03-26", "1", "NULL"]]
    assert printed[("ping", "2024-03-30")].rows == [["2024-03-30", "7"]]
    assert (
        "2 extractor day(s) refused (rows that do not fit), 1 failed (the extractor raised); "
        "nothing was written anywhere"
    ) in output


# --- no warehouse --------------------------------------------------------------------------


@pytest.mark.usefixtures("shop")
def test_it_opens_no_bigquery_client_and_starts_no_emulator(monkeypatch, tmp_path):
    touched: list[str] = []

    def refuse(what: str):
        def refused(*args, **kwargs):
            touched.append(what)
            raise AssertionError(f"the dry run touched {what}")

        return refused

    monkeypatch.setattr(bigquery.Client, "__init__", refuse("bigquery.Client"))
    monkeypatch.setattr(emulator_module, "ensure_running", refuse("ensure_running"))
    monkeypatch.setattr(emulator_process.EmbeddedEmulator, "start", refuse("EmbeddedEmulator"))
    monkeypatch.setattr(emulator_module, "is_healthy", refuse("is_healthy"))
    # what a real run here would start:
    assert load_emulator_settings(load_settings().local_dir).embedded

    shop_only = [arg for table in SHOP_TABLES for arg in ("--extractor", table)]
    result = run_cli("-f", WEEK[0].isoformat(), "-l", WEEK[-1].isoformat(), *shop_only)

    assert result.exit_code == 0, result.output
    assert len(parse(result.output)) == 3 * 7
    assert touched == []
    assert not (tmp_path / "bigquery").exists()


# --- every source kind, and crashes ----------------------------------------------------------


@pytest.fixture
def shop_and_desk(transactional_db, monkeypatch):
    """The week's shop rows, committed (the demo API answers from another thread), one ticket."""
    from analytics_assets.demo.shop.models import SupportTicket

    monkeypatch.setenv("ANALYTICS_FIRST_DATE", "2024-03-25")
    customer("ada", "2024-03-31T01:30:00+01:00")
    SupportTicket.objects.create(
        requester_email="ada@example.com",
        subject="private subject",
        channel="chat",
        priority="urgent",
        status="open",
        opened_at=dt.datetime.fromisoformat("2024-03-31T03:00:00+02:00"),
    )


@pytest.mark.usefixtures("shop_and_desk")
def test_without_the_extractor_option_every_extractor_prints_the_http_one_included():
    result = run_cli("-f", "2024-03-31", "-l", "2024-03-31")
    assert result.exit_code == 0, result.output
    printed = parse(result.output)
    assert list(printed) == [
        (table, "2024-03-31") for table in ("contract", "email", "support_ticket", "user")
    ]
    ticket = printed[("support_ticket", "2024-03-31")]
    assert ticket.count == 1
    assert ticket.rows is not None
    assert ticket.rows[0][:2] == ["2024-03-31", "2024-03-31T03:00:00+02:00"]
    assert "ada@example.com" not in result.output and "private subject" not in result.output


@dataclass
class Echo:
    value: int


class EchoExtractor(DateAggregatedExtractor[Echo]):
    source = "python"

    def extract(self, start, end):
        yield Echo(value=1)


def test_a_crash_of_the_dry_run_itself_is_raised_not_reported_as_refused_days(monkeypatch):
    import analytics_assets.dry_run as dry_run

    def broken_validator(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(dry_run, "RowValidator", broken_validator)
    with pytest.raises(OSError, match="disk full"):
        run_function(
            first=dt.date(2024, 3, 26), extractors=[EchoExtractor], settings=load_settings()
        )


# --- a team's own extractors ---------------------------------------------------------------

TEAM_EXTRACTORS = '''
"""Acme's extractors: accounts from its Django app, tickets from its help desk, day lengths."""
import datetime as dt
from dataclasses import dataclass

from analytics_assets.extract import (
    DateAggregatedExtractor,
    IndividualRowsExtractor,
    column,
    http_api,
)

DESK_API = http_api("desk_api")


@dataclass
class Accounts:
    accounts: int = column(differentiate=True)


class AccountsExtractor(DateAggregatedExtractor[Accounts]):
    def extract(self, start, end):
        from django.apps import apps

        customers = apps.get_model("shop", "Customer").objects
        yield Accounts(customers.filter(date_joined__lt=end).count())


@dataclass
class DeskTicket:
    timestamp: dt.datetime
    channel: str


class DeskTicketExtractor(IndividualRowsExtractor[DeskTicket]):
    source = DESK_API

    def extract(self, start, end):
        from analytics_assets.sources.json_rows import rows_from_items
        from analytics_assets.sources.pagination import PageNumber

        items = self.resources[DESK_API.name].items(
            "/api/tickets/",
            PageNumber(page_size=50),
            params={"opened_after": start.isoformat(), "opened_before": end.isoformat()},
        )
        return rows_from_items(DeskTicket, items, fields={"timestamp": "opened_at"})


@dataclass
class DayLength:
    hours: float


class DayLengthExtractor(DateAggregatedExtractor[DayLength]):
    source = "python"

    def extract(self, start, end):
        yield DayLength((end - start).total_seconds() / 3600)
'''


@pytest.mark.usefixtures("shop_and_desk")
def test_a_team_s_own_extractors_of_every_source_kind_print_in_the_local_environment(
    tmp_path, monkeypatch, demo_api, settings
):
    install_team_package(tmp_path / "team", monkeypatch, "acme_analytics", {"all": TEAM_EXTRACTORS})
    monkeypatch.setenv("ANALYTICS_ENV", "local")
    monkeypatch.setenv("ANALYTICS_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("ANALYTICS_EXTRACTOR_MODULES", "acme_analytics.extractors")
    monkeypatch.setenv("ANALYTICS_DESK_API_URL", demo_api)  # the team's help desk
    monkeypatch.setenv("ANALYTICS_DESK_API_TOKEN", settings.DEMO_API_TOKEN)
    # DJANGO_SETTINGS_MODULE: the demo's, standing in for the team's Django project.
    result = run_cli("-f", "2024-03-31", "-l", "2024-03-31")
    assert result.exit_code == 0, result.output
    printed = parse(result.output)
    assert list(printed) == [
        ("accounts", "2024-03-31"),
        ("day_length", "2024-03-31"),
        ("desk_ticket", "2024-03-31"),
    ]
    assert printed[("accounts", "2024-03-31")].rows == [["2024-03-31", "1"]]
    assert printed[("day_length", "2024-03-31")].rows == [["2024-03-31", "23.0"]]
    assert printed[("desk_ticket", "2024-03-31")].rows == [
        ["2024-03-31", "2024-03-31T03:00:00+02:00", "chat"]
    ]
    assert {hours.hours for hours in printed.values()} == {"23"}
