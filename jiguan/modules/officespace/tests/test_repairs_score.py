"""The major-repair priority score: each factor moves the score the right way, stays within its weight,
and the breakdown adds up to the score."""

from datetime import date
from decimal import Decimal

import pytest

from jiguan.modules.officespace.services.repairs import HISTORY_YEARS, explain, priority_score

TODAY = date(2026, 6, 1)
BASE = {"damage_grade": 2, "year_built": 2000, "repairs_completed": [], "energy_per_m2": Decimal("80"),
        "queue_median": Decimal("80"), "today": TODAY}


def score(**changes) -> Decimal:
    return priority_score(**{**BASE, **changes})[0]


def points(factor: str, **changes) -> float:
    return priority_score(**{**BASE, **changes})[1][factor]["points"]


def test_worse_damage_scores_higher():
    scores = [score(damage_grade=grade) for grade in (1, 2, 3, 4)]
    assert scores == sorted(scores) and len(set(scores)) == 4
    assert points("damage", damage_grade=4) == 35 and points("damage", damage_grade=1) == 8.75


def test_older_buildings_score_higher_up_to_fifty_years():
    assert score(year_built=1980) > score(year_built=2000) > score(year_built=2020)
    assert points("age", year_built=1960) == points("age", year_built=1900) == 25
    assert points("age", year_built=2026) == 0
    assert points("age", year_built=2030) == 0  # a year built in the future counts as new, not negative


def test_recently_repaired_buildings_rank_lower():
    never = score()
    long_ago = score(repairs_completed=[date(2017, 5, 1)])  # 9 years ago: loses a tenth
    recent = score(repairs_completed=[date(2024, 5, 1)])
    this_year = score(repairs_completed=[date(2026, 3, 1)])
    assert never > long_ago > recent > this_year
    assert points("history") == 20 and points("history", repairs_completed=[date(2017, 5, 1)]) == 18
    assert points("history", repairs_completed=[date(2026, 3, 1)]) == 0


def test_more_repairs_weigh_more_and_old_ones_do_not_count():
    one = score(repairs_completed=[date(2020, 1, 1)])
    two = score(repairs_completed=[date(2020, 1, 1), date(2022, 1, 1)])
    assert two < one
    outside = date(TODAY.year - HISTORY_YEARS, 12, 31)
    assert score(repairs_completed=[outside]) == score()
    assert points("history", repairs_completed=[date(2025, 1, 1)] * 3) == 0  # never below zero


def test_energy_use_above_the_queue_median_scores_higher():
    assert score(energy_per_m2=Decimal("160")) > score(energy_per_m2=Decimal("80")) > score(energy_per_m2=Decimal("40"))
    assert points("energy") == 10  # at the median: half the weight
    assert points("energy", energy_per_m2=Decimal("400")) == 20  # capped at the weight
    assert points("energy", queue_median=None) == 10  # nothing to compare with: counts as at the median


@pytest.mark.parametrize("case", [
    {}, {"damage_grade": 4, "year_built": 1950}, {"repairs_completed": [date(2019, 2, 3)], "damage_grade": 1},
    {"energy_per_m2": Decimal("123.457"), "queue_median": Decimal("97.3"), "year_built": 1987},
])
def test_breakdown_adds_up_to_the_score_within_0_and_100(case):
    total, breakdown = priority_score(**{**BASE, **case})
    assert sum(Decimal(str(item["points"])) for item in breakdown.values()) == total
    assert Decimal(0) <= total <= Decimal(100)
    assert all(0 <= item["points"] <= item["max"] for item in breakdown.values())
    assert sum(item["max"] for item in breakdown.values()) == 100


def test_the_worst_case_scores_100_and_the_explanation_names_each_factor():
    total, breakdown = priority_score(damage_grade=4, year_built=1960, repairs_completed=[],
                                      energy_per_m2=Decimal("300"), queue_median=Decimal("100"), today=TODAY)
    assert total == 100
    lines = explain(breakdown)
    assert [line["factor"] for line in lines] == ["damage", "age", "history", "energy"]
    assert all(line["detail"] for line in lines)
    assert explain({}) == []
