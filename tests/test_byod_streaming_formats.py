"""The streaming CSV read covers the common real-export formats, with what the whole-file read gives.

Refunds, repeated lines, ids with stray whitespace, European exports (semicolons, decimal commas,
thousands separators, day-first dates), compact dates, Excel serial numbers and time zones are read
block by block (blocks of a few lines here, so every file crosses many of them) and must give exactly
what the whole-file read gives: the same orders frame, notes and as_of, or the same error with the same
message (file, column, lines, counts). Each case also checks the streaming read was the one used, so a
silent hand-over to the whole-file read cannot make a case pass.
"""
import numpy as np
import pandas as pd
import pytest

from streaming_reads import outcome as _outcome

BLOCK = 700  # bytes per block: about 17 lines, so a file of 120 lines crosses seven blocks


def outcome(path, streaming: bool, monkeypatch, **options):
    return _outcome(path, streaming, monkeypatch, BLOCK, **options)


def same(path, monkeypatch, streams: bool = True, **options):
    """Streamed and whole-file reads agree, and the streamed read was used (or not, ``streams=False``); returns the
    whole-file outcome."""
    got, streamed = outcome(path, True, monkeypatch, **dict(options))
    want, _ = outcome(path, False, monkeypatch, **dict(options))
    assert got[0] == want[0], (got, want)
    if got[0] == "error":
        assert got[1:] == want[1:]
    else:
        pd.testing.assert_frame_equal(got[1], want[1], check_exact=True)
        assert got[2] == want[2] and got[3] == want[3]
    assert streamed == streams, "the streaming read handed the file over" if streams else "the streaming read was used"
    return want


def orders(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "order_id": np.arange(1, n + 1).astype(str),
        "customer_id": np.char.add("C", rng.integers(0, n // 6, n).astype(str)),
        "order_date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")).strftime("%Y-%m-%d"),
        "amount": np.round(rng.gamma(2, 30, n), 2).astype(str),
        "channel": rng.choice(["web", "app", "store"], n),
    })


def write(tmp_path, frame: pd.DataFrame, name: str = "orders.csv", **to_csv) -> object:
    path = tmp_path / name
    frame.to_csv(path, index=False, **to_csv)
    return path


# ----------------------------------------------------------------------------- refunds and repeats

@pytest.mark.parametrize("refunds", ["error", "keep", "drop"])
def test_refunds_in_a_late_block(refunds, tmp_path, monkeypatch):
    frame = orders()
    frame.loc[[40, 41, 90, 91, 92, 100, 119], "amount"] = ["-12.50", "-3", "-0.99", "-100.00", "-7.10", "-1", "-2.00"]
    want = same(write(tmp_path, frame), monkeypatch, refunds=refunds)
    if refunds == "error":  # the message quotes lines from three blocks and counts the rest
        assert "7 negative amount(s)" in want[2] and "line 42 ('-12.50')" in want[2] and "and 2 more" in want[2]


def test_a_customer_who_nets_negative(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[110:113, "customer_id"] = "REFUNDER"
    frame.loc[110:113, "amount"] = ["5.00", "-50.00", "-1.00", "2.00"]
    want = same(write(tmp_path, frame), monkeypatch, refunds="keep")
    assert any("refunded more than they bought" in n for n in want[2]["notes"])


def test_every_order_a_refund(tmp_path, monkeypatch):
    frame = orders(60)
    frame["amount"] = "-" + frame["amount"]
    same(write(tmp_path, frame), monkeypatch, refunds="keep")
    same(write(tmp_path, frame), monkeypatch, refunds="drop")


@pytest.mark.parametrize("duplicates", ["error", "drop"])
def test_repeated_lines_across_blocks(duplicates, tmp_path, monkeypatch):
    frame = orders()
    frame = pd.concat([frame, frame.iloc[[3, 70, 71]], frame.iloc[[3]]]).sort_index(kind="stable").reset_index(drop=True)
    want = same(write(tmp_path, frame), monkeypatch, duplicates=duplicates, refunds="keep")
    assert ("repeat(s) of an order dropped" in " ".join(want[2]["notes"])) if duplicates == "drop" else want[0] == "error"


def test_repeated_ids_that_differ_are_refused_the_same(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[100, "order_id"] = frame.loc[20, "order_id"]
    same(write(tmp_path, frame), monkeypatch, duplicates="drop")


def test_order_ids_digits_then_text_in_a_late_block(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[110, "order_id"] = "INV-110"
    same(write(tmp_path, frame), monkeypatch)


def test_an_order_after_as_of_in_a_late_block(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[100, "order_date"] = "2026-03-01"
    want = same(write(tmp_path, frame), monkeypatch, as_of="2025-12-31")
    assert "line 102 ('2026-03-01')" in want[2]


# ----------------------------------------------------------------------------- ids with stray whitespace

def test_ids_trimmed_of_every_kind_of_whitespace_and_merged_counted(tmp_path, monkeypatch):
    frame = orders()
    spaces = [" ", "\t", "\u00a0", "\u3000", "\u200b", "\u202f"]
    for i, sp in enumerate(spaces):  # six spellings of C1 far apart, and C1 as written in between
        frame.loc[10 + 18 * i, "customer_id"] = f"{sp}C1" if i % 2 else f"C1{sp}"
    frame.loc[50, "customer_id"] = "C1"
    frame.loc[80, "customer_id"] = " C2 "
    frame.loc[115, "channel"] = " web "
    want = same(write(tmp_path, frame), monkeypatch)
    assert any("id spelling(s)" in n for n in want[2]["notes"])


def test_a_blank_customer_in_a_late_block(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[[100, 110], "customer_id"] = ["", "\u3000"]
    want = same(write(tmp_path, frame), monkeypatch)
    assert "line 102" in want[2] and "line 112" in want[2]


# ----------------------------------------------------------------------------- European exports and amounts

def european(n: int = 120, seed: int = 1) -> pd.DataFrame:
    frame = orders(n, seed)
    big = np.round(frame["amount"].astype(float) * 40, 2)
    frame["amount"] = [f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") for v in big]
    frame["order_date"] = pd.to_datetime(frame["order_date"]).dt.strftime("%d.%m.%Y")
    return frame


def test_a_european_export(tmp_path, monkeypatch):
    want = same(write(tmp_path, european(), sep=";"), monkeypatch)
    notes = " ".join(want[2]["notes"])
    assert "decimal comma" in notes and "thousands separators" in notes and "separated by ';'" in notes


def test_a_european_export_with_crlf_and_quoted_amounts(tmp_path, monkeypatch):
    """Quoted fields and CRLF line ends fall across block boundaries everywhere in this file."""
    for frame, sep in ((european(), ";"), (orders().assign(amount=lambda f: [f"{float(v) * 40:,.2f}" for v in f["amount"]]), ",")):
        body = frame.to_csv(index=False, sep=sep, lineterminator="\r\n", quoting=1).split("\r\n", 1)[1]
        path = tmp_path / "orders.csv"
        path.write_text(sep.join(frame.columns) + "\r\n" + body, encoding="utf-8")  # a header unquoted, as Excel writes it
        same(path, monkeypatch)


@pytest.mark.parametrize("late", ["10,25", "1,250", "€1,234.50", "(12.50)", "1 234.50", "1'234.50", "12,50 EUR", "inf", "9" * 40, ""])
def test_a_late_amount_that_is_not_plain(late, tmp_path, monkeypatch):
    frame = orders()
    frame.loc[115, "amount"] = late
    same(write(tmp_path, frame), monkeypatch, refunds="keep")


@pytest.mark.parametrize("first", ["1,250", "1.250"])
def test_an_undecidable_decimal_mark_and_the_option_that_decides_it(first, tmp_path, monkeypatch):
    frame = orders()
    frame["amount"] = first
    frame.loc[110, "amount"] = "2,750" if "," in first else "2.750"
    path = write(tmp_path, frame, sep=";")
    same(path, monkeypatch)
    same(path, monkeypatch, decimal=",")
    same(path, monkeypatch, decimal=".")


def test_decimal_commas_and_points_mixed_across_blocks(tmp_path, monkeypatch):
    frame = european()
    frame.loc[110, "amount"] = "12.50"
    same(write(tmp_path, frame, sep=";"), monkeypatch)


# ----------------------------------------------------------------------------- dates

def slashed(frame: pd.DataFrame, dayfirst: bool) -> pd.DataFrame:
    dates = pd.to_datetime(frame["order_date"])
    # Days 1-12 only, except where the test puts one above 12.
    dates = dates - pd.to_timedelta(dates.dt.day - 1 - (dates.dt.day - 1) % 12, unit="D")
    assert dates.dt.day.max() <= 12
    frame["order_date"] = dates.dt.strftime("%d/%m/%Y" if dayfirst else "%m/%d/%Y")
    return frame


@pytest.mark.parametrize("dayfirst", [True, False])
def test_the_only_day_above_12_is_in_the_last_block(dayfirst, tmp_path, monkeypatch):
    frame = slashed(orders(), dayfirst)
    frame.loc[118, "order_date"] = "25/03/2024" if dayfirst else "03/25/2024"
    want = same(write(tmp_path, frame), monkeypatch)
    assert any(("day first" if dayfirst else "month first") in n for n in want[2]["notes"])


def test_day_first_and_month_first_in_different_blocks_are_refused_the_same(tmp_path, monkeypatch):
    frame = slashed(orders(), True)
    frame.loc[20, "order_date"] = "25/03/2024"
    frame.loc[110, "order_date"] = "03/25/2024"
    same(write(tmp_path, frame), monkeypatch)


def test_no_day_above_12_is_refused_or_read_as_told(tmp_path, monkeypatch):
    path = write(tmp_path, slashed(orders(), True))
    want = same(path, monkeypatch)
    assert want[0] == "error" and "--dayfirst" in want[3]
    same(path, monkeypatch, dayfirst=True)
    same(path, monkeypatch, dayfirst=False)


@pytest.mark.parametrize("late", ["20240315", "45372", "45372.5", "2024-03-15T10:00:00+02:00", "15.03.2024", "2024/03/15",
                                  "2024-03-15 9:30", "15/03/2024", "2024-02-30", "0001-01-01", "", "soon"])
def test_a_late_date_in_another_format(late, tmp_path, monkeypatch):
    frame = orders()
    frame.loc[116, "order_date"] = late
    same(write(tmp_path, frame), monkeypatch)


@pytest.mark.parametrize("fmt", ["%Y%m%d", "excel", "%Y-%m-%dT%H:%M:%S+01:00", "%d.%m.%Y %H:%M", "%Y/%m/%d"])
def test_a_whole_column_in_another_format(fmt, tmp_path, monkeypatch):
    frame = orders()
    dates = pd.to_datetime(frame["order_date"]) + pd.to_timedelta(np.arange(len(frame)) % 1440, unit="min")
    frame["order_date"] = ((dates - pd.Timestamp("1899-12-30")).dt.days.astype(str) if fmt == "excel" else dates.dt.strftime(fmt))
    same(write(tmp_path, frame), monkeypatch)


# ----------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding, names", [("cp1252", ["Müller GmbH", "Café Zoë", "Ægir ÅS"]), ("gbk", ["北京客户", "上海分店", "广州"])])
@pytest.mark.parametrize("where", ["first", "late"])
def test_a_legacy_encoding(encoding, names, where, tmp_path, monkeypatch):
    """Not UTF-8 from the first line, or only from a late block on (the read starts as UTF-8, then starts again)."""
    frame = orders()
    at = [3, 40, 77] if where == "first" else [100, 110, 119]
    frame.loc[at, "customer_id"] = names
    frame.loc[at[1], "customer_id"] = f" {names[1]} "
    path = write(tmp_path, frame, encoding=encoding)
    want = same(path, monkeypatch, refunds="keep")
    assert want[0] == "read" and any(("GBK" if encoding == "gbk" else "Windows-1252") in n for n in want[2]["notes"])
    frame.loc[115, "amount"] = "-3.00"
    same(write(tmp_path, frame, encoding=encoding), monkeypatch)  # a refusal quoting a line of the transcoded text


@pytest.mark.parametrize("encoding, written, streams", [
    ("cp1252", "cp1252", True), ("latin-1", "latin-1", True), ("GBK", "gbk", True), ("utf-8", "utf-8", True),
    ("utf-8", "utf-8-sig", True),
    ("cp1252", "utf-8-sig", False),  # a UTF-8 BOM read as cp1252 is text to the whole-file read: left to it
    ("utf-16", "utf-16", False),  # line breaks are not single bytes
    ("cp1252", "bad", False),  # a byte cp1252 does not define: the whole-file read names the encoding
    ("nonesuch", "utf-8", False),  # an unknown name: the whole-file read says so
])
def test_an_encoding_given_streams_like_the_whole_file_read(encoding, written, streams, tmp_path, monkeypatch):
    """With encoding= (--encoding) the file is streamed too (it used to be decoded whole: 18x its size in memory
    for a Windows-1252 export), with the same frame, notes ("read as cp1252 (as asked)") and refusals."""
    frame = orders()
    frame.loc[[3, 40, 77], "customer_id"] = ["Müller GmbH", " Café Zoë ", "Ægir ÅS"] if written != "gbk" else \
        ["北京客户", " 上海分店 ", "广州"]
    path = tmp_path / "orders.csv"
    if written == "bad":
        path.write_bytes(frame.to_csv(index=False).encode("cp1252").replace("ü".encode("cp1252"), b"\x81"))
    else:
        frame.to_csv(path, index=False, encoding=written)
    want = same(path, monkeypatch, streams=streams, encoding=encoding)
    if written != "bad" and encoding != "nonesuch":
        assert want[0] == "read" and f"read as {encoding} (as asked)" in " ".join(want[2]["notes"])
    else:
        assert want[0] == "error" and encoding in str(want[1:])


def test_an_encoding_that_cannot_be_told_is_left_to_the_whole_file_read(tmp_path, monkeypatch):
    path = tmp_path / "orders.csv"
    path.write_bytes(orders().to_csv(index=False).encode() + b"C9,2024-05-01,1.00,\xc4\xe3\n")
    same(path, monkeypatch, streams=False)


# ----------------------------------------------------------------------------- lines and randomised mixtures

def test_blank_lines_before_a_late_error_keep_the_line_numbers(tmp_path, monkeypatch):
    frame = orders()
    frame.loc[100, "amount"] = "twelve"
    text = frame.to_csv(index=False).splitlines(keepends=True)
    text[30:30] = [",,,,\n", " , , , ,\n"]
    text[70:70] = [",,,,\n"]
    path = tmp_path / "orders.csv"
    path.write_text("".join(text), encoding="utf-8")
    want = same(path, monkeypatch)
    assert "line 105 ('twelve')" in want[2]


AMOUNTS = ["12.50", "-3.00", "1,234.50", "€9.99", "(4.00)", "7", "1 000.00", "0.5"]
DATES = ["2024-03-05", "20240305", "05.03.2024", "2024/03/05", "45356", "2024-03-05T08:00:00Z", "2024-03-05 08:00"]
IDS = ["C1", " C1", "C1\t", "C2", "C3\u00a0", "C4"]


@pytest.mark.parametrize("seed", range(6))
def test_random_mixtures_read_the_same(seed, tmp_path, monkeypatch):
    """Each line drawn from a palette of formats real exports mix; every mixture gives what the whole-file read gives."""
    rng = np.random.default_rng(seed)
    frame = orders(120, seed)
    for col, palette in (("amount", AMOUNTS), ("order_date", DATES), ("customer_id", IDS)):
        at = rng.random(len(frame)) < rng.choice([0.0, 0.02, 0.3])
        frame.loc[at, col] = rng.choice(palette, int(at.sum()))
    if seed % 3 == 0:
        frame = pd.concat([frame, frame.iloc[rng.integers(0, len(frame), 3)]]).sort_index(kind="stable").reset_index(drop=True)
    path = write(tmp_path, frame)
    same(path, monkeypatch, refunds="keep", duplicates="drop")
    same(path, monkeypatch, decimal=".", refunds="drop", duplicates="drop")
