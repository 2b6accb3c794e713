"""Reading the CSV files: every problem names the file, the row and the column."""

from __future__ import annotations

import pytest

from justculture.fairness import csvfiles
from justculture.fairness.csvfiles import CsvFileError, file_figures, read_cases, read_workforce
from justculture.fairness.groups import definitions, normalise


def problems(excinfo: pytest.ExceptionInfo[CsvFileError]) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in excinfo.value.problems]


def test_the_module_does_not_need_django():
    import subprocess
    import sys

    code = ("import sys; import justculture.fairness.csvfiles, justculture.fairness.stats, "
            "justculture.fairness.periods; assert 'django' not in sys.modules, sorted(m for m in sys.modules if 'django' in m)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cases_file_with_extra_columns_in_any_order():
    rows = read_cases("event,notes,group,period\nformal-action,x,White,2024\nreferral,,Ethnic minority,2024\n")
    assert [(r.period, r.group, r.event, r.team) for r in rows] == [
        ("2024", "White", "formal-action", ""), ("2024", "Ethnic minority", "referral", "")]
    assert rows[0].row == 2


def test_bytes_with_a_byte_order_mark_and_windows_text():
    assert read_cases("\ufeffperiod,group,event\n2024,White,x\n".encode())[0].group == "White"
    assert read_cases("period,group,event\n2024,Caf\xe9,x\n".encode("cp1252"))[0].group == "Café"


def test_a_missing_header_column_is_named():
    with pytest.raises(CsvFileError) as excinfo:
        read_cases("period,group\n2024,White\n", name="cases.csv")
    assert problems(excinfo) == [(1, "event")]
    assert str(excinfo.value).startswith("cases.csv, row 1, column 'event': the column 'event' is missing")


def test_an_empty_file():
    with pytest.raises(CsvFileError) as excinfo:
        read_workforce("", name="w.csv")
    assert "empty" in str(excinfo.value) and excinfo.value.problems[0].file == "w.csv"


def test_binary_files_are_refused():
    with pytest.raises(CsvFileError, match="not a CSV text file"):
        read_workforce(b"PK\x03\x04\x00\x00binary")


def test_headcount_problems_name_row_and_column():
    text = ("period,group,headcount\n2024,White,4400\n2024,Ethnic minority,many\n2024,Mixed,-3\n"
            "2024,Asian,12.5\n2024,Black,\n2024,Other,\"1,200\"\n")
    with pytest.raises(CsvFileError) as excinfo:
        read_workforce(text, name="w.csv")
    assert problems(excinfo) == [(3, "headcount"), (4, "headcount"), (5, "headcount"), (6, "headcount")]
    messages = [p.message for p in excinfo.value.problems]
    assert "not a whole number" in messages[0] and "negative" in messages[1]
    assert "not a whole number" in messages[2] and "missing" in messages[3]


def test_thousands_separators_are_accepted():
    rows = read_workforce('period,group,headcount\n2024,White,"4,400"\n')
    assert rows[0].headcount == 4400


def test_a_duplicate_workforce_row():
    with pytest.raises(CsvFileError) as excinfo:
        read_workforce("period,group,headcount\n2024,White,10\n2024,white,11\n2024,White,12\n")
    assert problems(excinfo) == [(3, "group"), (4, "group")]
    assert "row 2" in excinfo.value.problems[0].message


def test_missing_values_in_the_cases_file():
    with pytest.raises(CsvFileError) as excinfo:
        read_cases("period,group,event\n,White,formal-action\n2024,White,\n2024,,formal-action\n")
    assert problems(excinfo) == [(2, "period"), (3, "event")]


def test_blank_rows_are_skipped_but_counted():
    rows = read_cases("period,group,event\n\n2024,White,x\n")
    assert rows[0].row == 3


def import_rows(text: str, teams: dict[str, str] | None = None) -> list[csvfiles.ImportRow]:
    defs = definitions()
    team_names = teams if teams is not None else {"ward 7": "Ward 7"}
    return csvfiles.read_workforce_import(
        text, teams=team_names, groups={c: d.lookup() for c, d in defs.dimensions.items()},
        normalise=normalise, default_dimension="ethnicity-collapsed", name="upload.csv",
    )


def test_a_workforce_import_maps_spellings_to_codes():
    rows = import_rows("period,team,dimension,group,headcount\n"
                       "2024,,ethnicity-collapsed,BME,1500\n"
                       "2024,ward 7,ethnicity,White - British,30\n"
                       "2024,,Sex,F,4000\n"
                       "2024,,age band,65+,20\n"
                       "2024,,qualified,Prefer not to say,3\n"
                       "2024,,staff-group,Nursing and midwifery,2000\n")
    assert [(r.team, r.dimension, r.group) for r in rows] == [
        (None, "ethnicity-collapsed", "ethnic-minority"), ("Ward 7", "ethnicity", "A"), (None, "sex", "female"),
        (None, "age-band", "65-and-over"), (None, "qualified", "prefer-not-to-say"),
        (None, "staff-group", "nursing-midwifery")]


def test_without_a_dimension_column_rows_are_collapsed_ethnicity():
    rows = import_rows("period,group,headcount\n2024,White,4400\n2024,Ethnic minority,1500\n")
    assert {r.dimension for r in rows} == {"ethnicity-collapsed"}


def test_a_workforce_import_reports_every_problem():
    text = ("period,team,dimension,group,headcount\n"
            "2024,Ward 9,ethnicity-collapsed,White,10\n"     # unknown team
            "2024,,religion,Buddhist,10\n"                   # unknown dimension
            "2024,,ethnicity-collapsed,Purple,10\n"          # unknown group
            "2024,,ethnicity-collapsed,White,ten\n"          # not a number
            "2024,,ethnicity-collapsed,White,10\n"
            "2024,,ethnicity-collapsed,white,11\n"           # duplicate of the row above
            ",,ethnicity-collapsed,White,10\n"               # missing period
            + "x" * 41 + ",,ethnicity-collapsed,White,10\n")  # period too long
    with pytest.raises(CsvFileError) as excinfo:
        import_rows(text)
    assert problems(excinfo) == [(2, "team"), (3, "dimension"), (4, "group"), (5, "headcount"), (7, "group"),
                                 (8, "period"), (9, "period")]
    assert "Ward 9" in excinfo.value.problems[0].message
    assert "repeats row 6" in excinfo.value.problems[4].message


def cases_text(rows: list[tuple[str, str, str]]) -> str:
    return "period,group,event\n" + "".join(f"{p},{g},{e}\n" for p, g, e in rows)


def test_figures_from_files():
    cases = read_cases(cases_text([("2024", "White", "formal-action")] * 40 + [("2024", "Ethnic minority", "formal-action")] * 20
                                  + [("2024", "", "formal-action")] * 12))
    workforce = read_workforce("period,group,headcount\n2024,White,4000\n2024,ethnic minority,1000\n2024,Not stated,250\n")
    (result,) = file_figures(cases, workforce, min_count=10)
    assert result["event"] == "formal-action" and result["period"] == "2024" and result["reference"] == "White"
    first, second = result["results"]
    assert first["group"] == "White" and first["relative_likelihood"] == 1.0
    assert second["group"] == "Ethnic minority" and second["relative_likelihood"] == pytest.approx(2.0)
    assert second["ci_low"] == pytest.approx(1.1746, abs=1e-3)
    assert result["not_stated"] == {"events": 12, "headcount": 250, "suppressed": False}


def test_figures_from_files_per_event_and_period_and_team():
    cases = read_cases("period,group,event,team\n" + "2023,White,a,T1\n" * 12 + "2024,White,b,T2\n" * 12)
    workforce = read_workforce("period,group,headcount,team\n2023,White,100,T1\n2023,White,50,T2\n"
                               "2024,White,100,\n2024,White,40,T2\n")
    results = file_figures(cases, workforce)
    assert [(r["event"], r["period"]) for r in results] == [("a", "2023"), ("a", "2024"), ("b", "2023"), ("b", "2024")]
    by = {(r["event"], r["period"]): r["results"][0] for r in results}
    # 2023 has only team rows, so they are added up; 2024 has a whole-organisation row.
    assert by[("a", "2023")]["headcount"] == 150 and by[("b", "2024")]["headcount"] == 100
    (team,) = file_figures(cases, workforce, team="t2", event="b", period="2024")
    assert team["results"][0]["headcount"] == 40 and team["results"][0]["events"] == 12
