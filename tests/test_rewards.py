"""The rewards table (service/rewards/ + service/data/rewards.toml): amounts follow the
formula coefficient × base salary in force on the decision date, rounded as configured; the
file is checked fully and re-read when it changes."""

from __future__ import annotations

import datetime as dt
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from service import rewards

SHIPPED = rewards.default_path()


@pytest.fixture(autouse=True)
def _default_table():
    rewards.configure(None)
    yield
    rewards.configure(None)


def shipped_doc() -> dict:
    return tomllib.loads(SHIPPED.read_text(encoding="utf-8"))


def write(tmp_path: Path, text: str, name: str = "rewards.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def shipped_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    return write(tmp_path, text.replace(old, new, 1))


# ------------------------------------------------------------------ an independent reference

def expected_amount(doc: dict, award: str, subject: str, on: dt.date) -> int | None:
    """The amount computed straight from the TOML document, without service.rewards: the
    latest base salary from on or before ``on``; the coefficient row of (award, subject)
    covering ``on``; a collective multiple of the individual row; rounding per [rounding]."""
    salaries = [r for r in doc["base_salary"] if r["from"] <= on]
    if not salaries:
        return None
    base = max(salaries, key=lambda r: r["from"])["amount"]

    def row_for(subj: str):
        rows = sorted((r for r in doc["coefficient"]
                       if r["award"] == award and r["subject"] == subj), key=lambda r: r["from"])
        for i, r in enumerate(rows):
            nxt = rows[i + 1]["from"] if i + 1 < len(rows) else None
            if r["from"] <= on and ("until" not in r or on <= r["until"]) and (
                    nxt is None or on < nxt):
                return r
        return None

    row = row_for(subject)
    if row is None:
        return None
    step = doc["rounding"]["step"]
    mode = doc["rounding"]["mode"]

    def rounded(value: Decimal) -> int:
        units, rest = divmod(value, step)
        units = int(units)
        if rest and (mode == "up" or (mode == "nearest" and rest * 2 >= step)):
            units += 1
        return units * step

    if "value" in row:
        return rounded(Decimal(str(row["value"])) * base)
    single = row_for("ca_nhan")
    coefficient = Decimal(str(single["value"]))
    if doc["rounding"]["multiple"] == "product":
        return rounded(coefficient * row["times_individual"] * base)
    return rounded(coefficient * base) * row["times_individual"]


def probe_dates(doc: dict) -> list[dt.date]:
    """Every date where a value starts or stops, the day before each, and one inside."""
    days = set()
    for row in doc["base_salary"] + doc["coefficient"]:
        days |= {row["from"], row["from"] - dt.timedelta(days=1),
                 row["from"] + dt.timedelta(days=45)}
        if "until" in row:
            days |= {row["until"], row["until"] + dt.timedelta(days=1)}
    return sorted(days)


def test_every_computed_amount_matches_the_table_derived_from_the_configuration():
    doc = shipped_doc()
    table = rewards.current()
    checked = 0
    for award in doc["awards"]:
        for subject in ("ca_nhan", "tap_the"):
            for day in probe_dates(doc):
                want = expected_amount(doc, award, subject, day)
                if want is None:
                    with pytest.raises(rewards.RewardLookupError):
                        table.reward(award, subject, day)
                    continue
                got = table.reward(award, subject, day)
                assert got.amount == want, (award, subject, day)
                assert got.amount % doc["rounding"]["step"] == 0
                assert got.raw <= got.amount < got.raw + doc["rounding"]["step"]
                checked += 1
    assert checked > 100


@pytest.mark.parametrize(("award", "subject", "before", "after"), [
    # DOMAIN.md §8, "Worked amounts (rounded up to 10.000 đ)": base 2.340.000 until
    # 30/6/2026, 2.530.000 from 01/7/2026.
    ("giay_khen", "ca_nhan", 710_000, 760_000),
    ("lao_dong_tien_tien", "ca_nhan", 710_000, 760_000),
    ("giay_khen", "tap_the", 1_410_000, 1_520_000),
    ("tap_the_lao_dong_tien_tien", "tap_the", 1_880_000, 2_030_000),
    ("chien_si_thi_dua_co_so", "ca_nhan", 2_340_000, 2_530_000),
    ("bang_khen_bo_tinh", "ca_nhan", 3_510_000, 3_800_000),
    ("tap_the_lao_dong_xuat_sac", "tap_the", 3_510_000, 3_800_000),
    ("bang_khen_bo_tinh", "tap_the", 7_020_000, 7_590_000),
    ("chien_si_thi_dua_bo_tinh", "ca_nhan", 7_020_000, 7_590_000),
    ("bang_khen_thu_tuong", "ca_nhan", 8_190_000, 8_860_000),
    ("bang_khen_thu_tuong", "tap_the", 16_380_000, 17_710_000),
    ("co_thi_dua_bo_tinh", "tap_the", 18_720_000, 20_240_000),
    ("co_thi_dua_chinh_phu", "tap_the", 28_080_000, 30_360_000),
])
def test_worked_amounts_of_the_domain_addendum(award, subject, before, after):
    table = rewards.current()
    assert table.reward(award, subject, dt.date(2026, 6, 30)).amount == before
    assert table.reward(award, subject, dt.date(2026, 7, 1)).amount == after


def test_the_base_salary_is_the_one_in_force_on_the_decision_date():
    table = rewards.current()
    assert table.base_salary(dt.date(2024, 6, 30)).amount == 1_800_000
    assert table.base_salary(dt.date(2024, 7, 1)).amount == 2_340_000
    assert table.base_salary(dt.date(2026, 6, 30)).amount == 2_340_000
    assert table.base_salary(dt.date(2026, 7, 1)).amount == 2_530_000
    reward = table.reward("giay_khen", "ca_nhan", dt.date(2026, 12, 7))
    assert (reward.base_salary, reward.coefficient, reward.raw) == (
        2_530_000, Decimal("0.3"), Decimal("759000.0"))
    assert any("152/2025" in s for s in reward.sources)
    assert any("161/2026" in s for s in reward.sources)


def test_every_shipped_value_carries_its_source_and_verified_flag():
    doc = shipped_doc()
    for row in doc["base_salary"] + doc["coefficient"] + [doc["rounding"]]:
        assert row["source"].strip()
        assert isinstance(row["verified"], bool)
    # DOMAIN.md §8 verified the NĐ 152/2025 coefficients; the NĐ 98/2023 rows are secondary.
    for row in doc["coefficient"]:
        assert row["verified"] is ("152/2025" in row["source"]), row


@pytest.mark.parametrize(("mode", "expected"), [
    ("up", [710_000, 1_880_000, 7_020_000, 760_000]),
    ("nearest", [700_000, 1_870_000, 7_020_000, 760_000]),
    ("down", [700_000, 1_870_000, 7_020_000, 750_000]),
])
def test_rounding_mode_is_configurable(tmp_path, mode, expected):
    path = shipped_with(tmp_path, 'mode = "up"', f'mode = "{mode}"')
    table = rewards.load(path)
    got = [table.reward("giay_khen", "ca_nhan", dt.date(2026, 1, 5)).amount,
           table.reward("tap_the_lao_dong_tien_tien", "tap_the", dt.date(2026, 1, 5)).amount,
           table.reward("bang_khen_bo_tinh", "tap_the", dt.date(2026, 1, 5)).amount,
           table.reward("giay_khen", "ca_nhan", dt.date(2026, 7, 5)).amount]
    assert got == expected


def test_collective_multiple_rounding_order_is_configurable(tmp_path):
    day = dt.date(2026, 1, 5)
    assert rewards.current().reward("giay_khen", "tap_the", day).amount == 1_410_000  # ⌈0,6×2,34M⌉
    path = shipped_with(tmp_path, 'multiple = "product"', 'multiple = "rounded_individual"')
    table = rewards.load(path)
    assert table.reward("giay_khen", "tap_the", day).amount == 2 * 710_000
    assert table.reward("giay_khen", "tap_the", dt.date(2026, 7, 5)).amount == 2 * 760_000
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert expected_amount(doc, "giay_khen", "tap_the", day) == 1_420_000


@pytest.mark.parametrize(("award", "subject", "day", "code"), [
    ("giay_khen", "ca_nhan", dt.date(2027, 3, 1), "no_coefficient_on_date"),  # NĐ 152 expired
    ("giay_khen", "ca_nhan", dt.date(2025, 6, 30), "no_coefficient_on_date"),
    ("lao_dong_tien_tien", "tap_the", dt.date(2026, 1, 5), "no_coefficient"),
    ("tap_the_lao_dong_tien_tien", "ca_nhan", dt.date(2026, 1, 5), "no_coefficient"),
    ("huan_chuong", "ca_nhan", dt.date(2026, 1, 5), "unknown_award"),
    ("giay_khen", "ca_nhan", dt.date(2019, 1, 1), "base_salary_unknown"),
])
def test_lookups_that_cannot_be_answered_say_why(award, subject, day, code):
    with pytest.raises(rewards.RewardLookupError) as info:
        rewards.current().reward(award, subject, day)
    assert info.value.code == code
    assert info.value.message
    assert info.value.message[0].isupper()


def test_a_year_without_a_date_works_only_when_the_amount_is_the_same_all_year(tmp_path):
    table = rewards.current()
    with pytest.raises(rewards.RewardLookupError) as info:
        table.reward_in_year("giay_khen", "ca_nhan", 2026)  # 2.340.000 → 2.530.000 on 01/7
    assert info.value.code == "reward_date_required"
    with pytest.raises(rewards.RewardLookupError) as info:
        table.reward_in_year("giay_khen", "ca_nhan", 2025)  # no coefficient before 01/7/2025
    assert info.value.code == "reward_date_required"
    with pytest.raises(rewards.RewardLookupError) as info:
        table.reward_in_year("giay_khen", "ca_nhan", 2023)  # no coefficient at all that year
    assert info.value.code == "no_coefficient_on_date"
    steady = rewards.load(shipped_with(tmp_path, "from = 2026-07-01\namount = 2530000",
                                       "from = 2027-07-01\namount = 2530000"))
    reward = steady.reward_in_year("giay_khen", "ca_nhan", 2026)
    assert reward.amount == 710_000


def test_unverified_values_can_be_refused(tmp_path):
    day = dt.date(2024, 9, 1)
    assert rewards.current().reward("lao_dong_tien_tien", "ca_nhan", day).verified is False
    assert rewards.current().reward("lao_dong_tien_tien", "ca_nhan", day).amount == 710_000
    strict = rewards.load(shipped_with(tmp_path, "allow_unverified = true",
                                       "allow_unverified = false"))
    with pytest.raises(rewards.RewardLookupError) as info:
        strict.reward("lao_dong_tien_tien", "ca_nhan", day)
    assert info.value.code == "unverified_value"
    assert strict.reward("giay_khen", "ca_nhan", dt.date(2026, 1, 5)).verified is True


@pytest.mark.parametrize(("old", "new", "names"), [
    ('mode = "up"', 'mode = "ceil"', "rounding.mode"),
    ("step = 10000", "step = 7000", "rounding.step"),
    ('multiple = "product"', 'multiple = "twice"', "rounding.multiple"),
    ("version = 1", "version = 2", "version"),
    ('award = "giay_khen"\nsubject = "ca_nhan"', 'award = "giay_khen_x"\nsubject = "ca_nhan"',
     "coefficient[0].award"),
    ('award = "giay_khen"\nsubject = "ca_nhan"', 'award = "giay_khen"\nsubject = "ho_gia_dinh"',
     "coefficient[0].subject"),
    ('value = "0.3"', 'value = "0,3"', "coefficient[0].value"),
    ('value = "0.3"', 'value = -0.3', "coefficient[0].value"),
    ('value = "0.3"', 'value = "0.3"\ntimes_individual = 2', "exactly one"),
    ("from = 2025-07-01\nuntil = 2027-02-28\nvalue = \"0.3\"",
     "from = 2025-07-01\nuntil = 2025-01-01\nvalue = \"0.3\"", "coefficient[0].until"),
    ("amount = 2340000", "amount = \"2340000\"", "base_salary[2].amount"),
    ("from = 2024-07-01", "from = \"2024-07-01\"", "base_salary[2].from"),
    ("verified = true", "verified = \"yes\"", "verified"),
    ('label = "Giấy khen"', 'label = "Giấy khen"\ncolour = "red"', "unknown key"),
    ("[policy]\n#", "[policy]\nstrict = true\n#", "unknown key"),
    ("[rounding]\n#", "[rounding]\n[rounding.extra]\n#", "rounding: unknown key"),
])
def test_a_wrong_value_in_the_file_is_named(tmp_path, old, new, names):
    path = shipped_with(tmp_path, old, new)
    with pytest.raises(rewards.RewardsConfigError) as info:
        rewards.load(path)
    assert names in str(info.value)
    assert str(path) in str(info.value)


def test_overlapping_rows_are_refused(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8") + (
        '\n[[coefficient]]\naward = "giay_khen"\nsubject = "ca_nhan"\nfrom = 2026-01-01\n'
        'value = "0.4"\nsource = "x"\nverified = false\n')
    with pytest.raises(rewards.RewardsConfigError, match=r"giay_khen/ca_nhan .* overlap"):
        rewards.load(write(tmp_path, text))


def test_unreadable_or_not_toml(tmp_path):
    with pytest.raises(rewards.RewardsConfigError, match="cannot read"):
        rewards.load(tmp_path / "missing.toml")
    with pytest.raises(rewards.RewardsConfigError, match="TOML"):
        rewards.load(write(tmp_path, "[rounding\nmode = 'up'"))
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b"version = 1\nlabel = 'Gi\xe1y khen'\n")  # Latin-1 bytes, not UTF-8
    with pytest.raises(rewards.RewardsConfigError, match="UTF-8"):
        rewards.load(latin1)


def test_a_corrected_file_applies_without_a_restart(tmp_path):
    import os

    path = shipped_with(tmp_path, "amount = 2530000", "amount = 2530000")
    rewards.configure(path)
    day = dt.date(2026, 12, 7)
    assert rewards.current().reward("giay_khen", "ca_nhan", day).amount == 760_000
    text = path.read_text(encoding="utf-8").replace("amount = 2530000", "amount = 2600000")
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a later modification
    assert rewards.current().reward("giay_khen", "ca_nhan", day).amount == 780_000


def test_a_broken_edit_of_a_running_service_keeps_the_last_good_table(tmp_path, caplog):
    import os

    path = shipped_with(tmp_path, "amount = 2530000", "amount = 2530000")
    rewards.configure(path)
    day = dt.date(2026, 12, 7)
    assert rewards.current().reward("giay_khen", "ca_nhan", day).amount == 760_000
    path.write_text("version = 1\n[rounding\n", encoding="utf-8")  # a half-saved edit
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with caplog.at_level("ERROR", logger="service.rewards"):
        assert rewards.current().reward("giay_khen", "ca_nhan", day).amount == 760_000
    assert "keeping the last good table" in caplog.text
    path.unlink()  # even a deleted file keeps the table a running service has
    assert rewards.current().reward("giay_khen", "ca_nhan", day).amount == 760_000
    with pytest.raises(rewards.RewardsConfigError):  # but it is never a start's table
        rewards.configure(tmp_path / "missing.toml")


def test_the_environment_variable_chooses_the_file(tmp_path, monkeypatch):
    path = shipped_with(tmp_path, 'mode = "up"', 'mode = "down"')
    monkeypatch.setenv("THIDUA_REWARDS_FILE", str(path))
    assert rewards.active_path() == path
    assert rewards.current().reward("giay_khen", "ca_nhan", dt.date(2026, 1, 5)).amount == 700_000


def test_a_broken_file_stops_the_app_from_starting(tmp_path):
    from service import create_app

    bad = write(tmp_path, "version = 1\n")
    with pytest.raises(rewards.RewardsConfigError, match="rounding"):
        create_app({"DATA_DIR": str(tmp_path / "data"), "REWARDS_FILE": str(bad)})
    good = shipped_with(tmp_path, 'mode = "up"', 'mode = "nearest"')
    create_app({"DATA_DIR": str(tmp_path / "data"), "REWARDS_FILE": str(good)})
    assert rewards.active_path() == good
    assert rewards.current().reward("giay_khen", "ca_nhan", dt.date(2026, 1, 5)).amount == 700_000
