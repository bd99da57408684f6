import datetime as dt

import pytest

from graph.dates import parse_edtf, parse_partial_date

D = dt.date


@pytest.mark.parametrize(
    ("edtf", "precision", "earliest", "latest"),
    [
        ("2024-01-30", "day", D(2024, 1, 30), D(2024, 1, 30)),
        ("2023-11", "month", D(2023, 11, 1), D(2023, 11, 30)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("2019", "year", D(2019, 1, 1), D(2019, 12, 31)),
        ("2024-22", "season", D(2024, 6, 1), D(2024, 8, 31)),
        ("2024-24", "season", D(2024, 12, 1), D(2025, 2, 28)),
        ("2019-09~/2019-12~", "interval", D(2019, 9, 1), D(2019, 12, 31)),
        ("../2024-01-30", "interval", None, D(2024, 1, 30)),
        ("2019-09/..", "interval", D(2019, 9, 1), None),
    ],
)
def test_parse_keeps_precision_and_interval(edtf, precision, earliest, latest):
    d = parse_edtf(edtf)
    assert (d.precision, d.earliest, d.latest) == (precision, earliest, latest)


def test_qualifiers():
    assert parse_edtf("2019-11~").approximate and not parse_edtf("2019-11~").uncertain
    assert parse_edtf("2019-11%").uncertain and parse_edtf("2019-11%").approximate


@pytest.mark.parametrize(
    ("edtf", "reason"),
    [
        ("2023-13", "'2023-13' has month 13: use 01-12, or 21-24 for a season"),
        ("2023-02-30", "'2023-02-30' is not a calendar date: day is out of range for month"),
        ("Nov 2023", "'Nov 2023' is not an EDTF date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-21..24)"),
        ("2024/2023", "'2024/2023' ends before it starts"),
        ("../..", "'../..' is open at both ends"),
    ],
)
def test_malformed_dates_say_why(edtf, reason):
    with pytest.raises(ValueError) as exc:
        parse_edtf(edtf)
    assert str(exc.value) == reason


def test_month_overlaps_a_day_inside_it():
    nov = parse_edtf("2023-11")
    assert nov.overlaps(D(2023, 11, 15), None)
    assert not nov.overlaps(D(2023, 12, 1), None)
    assert not nov.overlaps(None, D(2023, 10, 31))


def test_partial_bounds_cover_their_period():
    assert parse_partial_date("2023-11") == D(2023, 11, 1)
    assert parse_partial_date("2023-11", end=True) == D(2023, 11, 30)
    with pytest.raises(ValueError):
        parse_partial_date("2023~")
