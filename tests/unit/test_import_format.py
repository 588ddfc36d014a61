"""The CSV format: header aliases, row parsing and the whole-file checks, without AWS."""

from __future__ import annotations

import io

import pytest

from talentpool.models.candidate import Channel, Topic
from talentpool.models.imports import (
    COLUMN_ALIASES,
    FileProblem,
    FileRejected,
    ImportRow,
    RowError,
    data_rows,
    map_header,
    parse_row,
    read_records,
    scan,
)


def records(text: str | bytes) -> list[tuple[int, list[str]]]:
    raw = text.encode() if isinstance(text, str) else text
    return list(read_records(io.BytesIO(raw)))


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("email", "email"),
        ("E-mail", "email"),
        ("Email Address", "email"),
        ("email_address", "email"),
        ("  EMAIL  ", "email"),
        ("Given name", "first_name"),
        ("Forename", "first_name"),
        ("first_name", "first_name"),
        ("Surname", "last_name"),
        ("Family Name", "last_name"),
        ("Mobile", "phone"),
        ("Telephone", "phone"),
        ("Town", "city"),
        ("Country code", "country"),
        ("Time zone", "timezone"),
        ("Years of experience", "years_experience"),
        ("Experience (years)", "years_experience"),
        ("years_experience", "years_experience"),
        ("Roles", "desired_roles"),
        ("Topics", "interests"),
        ("LinkedIn URL", "linkedin_url"),
        ("UTM_Source", "utm_source"),
        ("utm campaign", "utm_campaign"),
    ],
)
def test_a_header_alias_maps_to_its_field_whatever_the_case_spaces_or_punctuation(header, field):
    mapped = map_header(["email", header] if field != "email" else [header])
    assert field in mapped.fields.values()
    assert mapped.names[field] == header.strip()


def test_every_field_maps_from_its_own_name():
    mapped = map_header(list(COLUMN_ALIASES))
    assert sorted(mapped.fields.values()) == sorted(COLUMN_ALIASES)
    assert mapped.ignored == []


def test_unknown_and_blank_headers_are_ignored_and_reported():
    mapped = map_header(["Notes", "email", "", "Favourite colour"])
    assert mapped.fields == {1: "email"}
    assert mapped.ignored == ["Notes", "Favourite colour"]
    assert mapped.width == 4


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (["name", "phone"], FileProblem.NO_EMAIL_COLUMN),
        (["a", "b", "c"], FileProblem.NO_EMAIL_COLUMN),
        (["Email", "E-mail"], FileProblem.DUPLICATE_COLUMNS),
        (["email", "surname", "last name"], FileProblem.DUPLICATE_COLUMNS),
    ],
)
def test_a_header_without_email_or_with_two_columns_for_one_field_rejects_the_file(cells, problem):
    with pytest.raises(FileRejected) as raised:
        map_header(cells)
    assert raised.value.problem is problem


HEADER = map_header(
    ["Email", "First name", "Country", "Skills", "Years of experience", "Interests", "Tags", "UTM source"]
)


def test_a_good_row_becomes_the_capture_fields_with_lists_split_and_the_import_channel():
    row = parse_row(
        2, ["Ana@Example.COM ", "Ana", "pt", "Python; AWS|sql, python", "6", "Job alerts,events", "vip", "x"], HEADER
    )

    assert isinstance(row, ImportRow)
    assert row.email == "Ana@example.com"  # the local part as given; dedupe ignores its case
    assert row.first_name == "Ana"
    assert row.location is not None and row.location.country == "PT"
    assert row.skills == ["python", "aws", "sql"]
    assert row.years_experience == 6
    assert row.interests == [Topic.JOB_ALERTS, Topic.EVENTS]
    assert row.tags == ["vip"]
    assert (row.source.channel, row.source.utm_source) == (Channel.IMPORT, "x")


def test_empty_cells_are_left_out_and_missing_trailing_cells_are_empty():
    row = parse_row(2, ["ana@example.com", ""], HEADER)
    assert isinstance(row, ImportRow)
    assert (row.first_name, row.location, row.skills) == (None, None, [])


def test_every_problem_in_a_row_is_listed_with_the_files_column_name():
    errors = parse_row(9, ["ana@", "Ana", "Portugal", "", "-1", "gossip", "", ""], HEADER)

    assert errors == [
        RowError(row=9, column="Country", reason="String should have at most 2 characters"),
        RowError(row=9, column="Years of experience", reason="Input should be greater than or equal to 0"),
        RowError(
            row=9, column="Interests", reason="Input should be 'career_advice', 'sector_news', 'events' or 'job_alerts'"
        ),
        RowError(row=9, column="Email", reason="there must be something after the @-sign."),
    ]


def test_a_row_without_an_email_says_it_is_required():
    assert parse_row(3, ["", "Ana"], HEADER) == [RowError(row=3, column="Email", reason="is required")]


def test_a_row_with_more_cells_than_the_header_is_refused_as_shifted():
    [error] = parse_row(4, ["ana@example.com", "Ana", "PT", "", "", "", "", "", "Lisbon, extra"], HEADER)
    assert (error.row, error.column) == (4, None)
    assert "quote values" in error.reason


def test_trailing_empty_cells_beyond_the_header_are_harmless():
    assert isinstance(parse_row(4, ["ana@example.com", "", "", "", "", "", "", "", "", ""], HEADER), ImportRow)


def test_row_numbers_count_the_header_as_row_1_and_keep_blank_lines():
    assert records("email\r\na@example.com\r\n\r\nb@example.com\r\n") == [
        (1, ["email"]),
        (2, ["a@example.com"]),
        (3, []),
        (4, ["b@example.com"]),
    ]


def test_a_quoted_cell_may_hold_the_separator_and_a_line_break():
    assert records('email,city\n"a@example.com","Lisbon, PT\nOld town"\n') == [
        (1, ["email", "city"]),
        (2, ["a@example.com", "Lisbon, PT\nOld town"]),
    ]


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_any_line_ending_is_read_and_the_last_line_needs_none(newline):
    text = newline.join(["email,city", "a@example.com,Lisbon", "", "b@example.com,Porto"])
    assert records(text) == [
        (1, ["email", "city"]),
        (2, ["a@example.com", "Lisbon"]),
        (3, []),
        (4, ["b@example.com", "Porto"]),
    ]


def test_a_byte_order_mark_is_dropped():
    assert records(b"\xef\xbb\xbfemail\r\na@example.com\r\n")[0] == (1, ["email"])


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_read(separator):
    text = f"email{separator}first name\r\na@example.com{separator}Ana, Maria\r\n"
    assert records(text)[1] == (2, ["a@example.com", "Ana, Maria"])


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"email\r\na@example.com\r\n\x00\x01\x02", FileProblem.NOT_CSV),
        (b"\x89PNG\r\n\x1a\n", FileProblem.NOT_UTF8),
        (b"email\r\nan\xe9@example.com\r\n", FileProblem.NOT_UTF8),  # Latin-1, not UTF-8
    ],
)
def test_binary_or_non_utf8_content_rejects_the_file(raw, problem):
    with pytest.raises(FileRejected) as raised:
        records(raw)
    assert raised.value.problem is problem


def test_scan_finds_the_header_after_leading_blank_lines_and_counts_data_rows():
    summary = scan(records("\r\nemail\r\na@example.com\r\n\r\nb@example.com\r\n"))
    assert (summary.header_row, summary.rows_total) == (2, 2)
    assert list(data_rows(records("\r\nemail\r\na@example.com\r\n\r\nb@example.com\r\n"), 2)) == [
        (3, ["a@example.com"]),
        (5, ["b@example.com"]),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", FileProblem.EMPTY_FILE), ("\r\n , \r\n", FileProblem.EMPTY_FILE), ("email\r\n", FileProblem.NO_DATA_ROWS)],
)
def test_scan_rejects_empty_and_header_only_files(text, problem):
    with pytest.raises(FileRejected) as raised:
        scan(records(text))
    assert raised.value.problem is problem


def test_scan_rejects_a_file_over_the_row_limit():
    with pytest.raises(FileRejected) as raised:
        scan(records("email\r\na@x.com\r\nb@x.com\r\nc@x.com\r\n"), max_rows=2)
    assert raised.value.problem is FileProblem.TOO_MANY_ROWS
    assert "more than 2 rows" in raised.value.message


def test_a_header_of_more_than_200_columns_rejects_the_file_at_once():
    # Given an export with 200,000 columns nobody asked for
    header = "email," + ",".join(f"c{n}" for n in range(200_000))

    # When the file is checked
    with pytest.raises(FileRejected) as raised:
        scan(records(header + "\r\na@x.com\r\n"))

    # Then it is refused before any row, saying how many columns and what the limit is
    assert raised.value.problem is FileProblem.TOO_MANY_COLUMNS
    assert "200,001 columns" in raised.value.message and "limit is 200" in raised.value.message


def test_a_header_row_over_64_kb_rejects_the_file():
    header = "email,notes" + "x" * (64 * 1024)

    with pytest.raises(FileRejected) as raised:
        scan(records(header + "\r\na@x.com\r\n"))

    assert raised.value.problem is FileProblem.HEADER_TOO_LARGE
    assert "64 KB" in raised.value.message


def test_200_columns_and_a_64_kb_header_are_still_fine():
    header = ["email", *(f"{n:03d}".ljust(300, "x") for n in range(199))]
    summary = scan(records(",".join(header) + "\r\na@x.com\r\n"))
    assert summary.header.width == 200 and len(summary.header.ignored) == 199


def test_a_cell_over_10000_characters_rejects_its_row_not_the_file():
    # Given a row with a 200,000-character cell (over the csv module's own field limit) between two good rows
    text = "email,first name,notes\r\na@x.com,Ana,\r\nb@x.com,Bo," + "y" * 200_000 + "\r\nc@x.com,Cy,\r\n"
    summary = scan(records(text))

    # When the rows are parsed
    parsed = [parse_row(n, cells, summary.header) for n, cells in data_rows(records(text), summary.header_row)]

    # Then the big cell's row is refused with its row number and why, and the others are fine
    assert [type(p).__name__ for p in parsed] == ["ImportRow", "list", "ImportRow"]
    [error] = parsed[1]
    assert (error.row, error.column) == (3, None)
    assert "200,000 characters in column 3" in error.reason and "10,000" in error.reason
    [named] = parse_row(4, ["z" * 10_001, "Ana", ""], summary.header)
    assert named.column == "email"
