"""Hostile and careless uses of the ``playbook`` command, output side (issue #14), each in a real process.

Every case asserts the exit code, a fragment of the one-line message, and that nothing outside the
output folder changed (checksums of the whole test folder, hidden files included, before and after;
a refused output folder must not change either). No output may hold a raw control character.
"""
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from playbook.data import write_dataset
from playbook.synth import generate

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), "MPLBACKEND": "Agg"}
# Runs the CLI with a signal sent to itself right before the final swap, i.e. while the new output is complete
# but not yet in place: the moment a kill does the most harm.
KILL_AT_SWAP = """
import os, signal, sys
import playbook.output as output
swap = output._swap
def dying(*args, **kwargs):
    os.kill(os.getpid(), getattr(signal, sys.argv[1]))
    return swap(*args, **kwargs)
output._swap = dying
from playbook.cli import main
raise SystemExit(main(sys.argv[2:]))
"""
# Runs the CLI with a file written by someone else (sys.argv[1]) right before the final swap: after the start checks.
WRITE_AT_SWAP = KILL_AT_SWAP.replace("os.kill(os.getpid(), getattr(signal, sys.argv[1]))",
                                     "os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True); open(sys.argv[1], 'w').write('mine')")


def run(cwd, *argv, code=None, wrapper=None):
    """Run ``python -m playbook *argv`` in ``cwd``; check the exit code and that nothing raw reached the terminal."""
    cmd = [sys.executable, "-c", wrapper, *argv] if wrapper else [sys.executable, "-m", "playbook", *argv]
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120)
    for stream in (done.stdout, done.stderr):
        assert not any(ch in stream for ch in "\x1b\r\x00\u202e"), stream
        assert "Traceback" not in stream or "--debug" in argv, stream
    if code is not None:
        assert done.returncode == code, done.stderr
    if code not in (None, 0):
        lines = done.stderr.splitlines()
        assert ": error: " in lines[-1] and sum(": error: " in line for line in lines) == 1, done.stderr
    return done


def snapshot(root: Path, skip: Path | None = None) -> dict:
    """Every entry under ``root`` (hidden ones too) -> its kind and content hash, mode or link target."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            continue
        for name in dirnames + filenames:
            p = here / name
            if skip is not None and p == skip:
                continue
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                found[str(p.relative_to(root))] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                found[str(p.relative_to(root))] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                found[str(p.relative_to(root))] = ("file", hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(st.st_mode))
    return found


@pytest.fixture(scope="module")
def orders(tmp_path_factory) -> Path:
    """A tiny orders export whose ids try formula injection and terminal escapes."""
    base = generate("retail", n_customers=30, seed=3)
    folder = write_dataset(base, tmp_path_factory.mktemp("source") / "ds")
    df = pd.read_csv(folder / "orders.csv", dtype=str)
    evil = ["＝HYPERLINK(1)", "\u200b=1+1", "\ufeff@SUM(A1)", "\xa0-2+3", "＋1", "＠x", "－1"]
    # The first seven customers who ordered (some generated customers never order, so they are in no export).
    hostile = dict(zip(sorted(df["customer_id"].unique())[:len(evil)], evil))
    df["customer_id"] = df["customer_id"].replace(hostile)
    path = folder.parent / "orders.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def earlier(orders, tmp_path_factory) -> Path:
    """An untouched earlier output of playbook analyze, made through the command into folders that did not exist."""
    out = tmp_path_factory.mktemp("earlier") / "new" / "deep" / "out"
    run(out.parent.parent.parent, "analyze", str(orders), "--out", str(out), "--quiet", code=0)
    return out


@pytest.fixture
def work(tmp_path, orders) -> Path:
    shutil.copy(orders, tmp_path / "orders.csv")
    return tmp_path


def refused(work, *argv, code=4, says):
    """A run that must be refused with ``code`` and ``says`` in its message, changing nothing at all."""
    before = snapshot(work)
    done = run(work, *argv, code=code)
    assert says in done.stderr, done.stderr
    assert snapshot(work) == before
    return done


# ----------------------------------------------------------------------------- replacing only what the kit wrote

def test_generate_overwrite_never_deletes_a_users_folder(work):
    (work / "u" / "photos").mkdir(parents=True)
    (work / "u" / "thesis.docx").write_text("four years")
    refused(work, "generate", "u", "--customers", "30", "--overwrite", says="u is not a dataset written by playbook")


def test_generate_overwrite_refuses_an_extra_or_changed_file_and_replaces_its_own_dataset(work):
    write_dataset(generate("retail", n_customers=30, seed=1), work / "ds")
    (work / "ds" / "notes.txt").write_text("mine")
    refused(work, "generate", "ds", "--customers", "30", "--overwrite", says="it holds 'notes.txt', which playbook did not write")
    (work / "ds" / "notes.txt").unlink()
    with open(work / "ds" / "orders.csv", "a") as fh:
        fh.write("\n")
    refused(work, "generate", "ds", "--customers", "30", "--overwrite", says="'orders.csv' was changed after playbook wrote it")


def test_make_datasets_overwrite_on_a_shipped_dataset_stays_byte_identical(work):
    shipped = ROOT / "datasets" / "b2b"
    shutil.copytree(shipped, work / "b2b")
    m = json.loads((shipped / "manifest.json").read_text(encoding="utf-8"))
    before = snapshot(work, skip=work / "b2b")
    run(work, "generate", "b2b", "--scenario", "b2b", "--seed", str(m["seed"]), "--overwrite", "--quiet", code=0)
    assert snapshot(work / "b2b") == snapshot(shipped) and snapshot(work, skip=work / "b2b") == before


def test_analyze_force_refuses_a_users_summary_or_a_folder_named_like_an_output(work, earlier):
    (work / "mine").mkdir()
    (work / "mine" / "summary.json").write_text('{"budget": 12}')
    refused(work, "analyze", "orders.csv", "--out", "mine", "--force",
            says='its summary.json was not written by playbook analyze (it has no "made_by": "playbook analyze")')
    (work / "pics" / "report.html").mkdir(parents=True)
    (work / "pics" / "report.html" / "me.jpg").write_bytes(b"\xff\xd8")
    refused(work, "analyze", "orders.csv", "--out", "pics", "--force", says="it holds 'report.html'")
    shutil.copytree(earlier, work / "edited")
    (work / "edited" / "action_list.csv").write_text("my edits in Excel")
    refused(work, "analyze", "orders.csv", "--out", "edited", "--force", says="'action_list.csv' was changed after playbook wrote it")


def test_without_force_an_existing_output_is_refused_with_the_cli_option(work, earlier):
    shutil.copytree(earlier, work / "out")
    done = refused(work, "analyze", "orders.csv", "--out", "out", says="pass --force to replace an earlier output")
    assert "force=True" not in done.stderr


# ----------------------------------------------------------------------------- paths that are not a new folder

def test_out_as_a_symlink_is_refused_and_nothing_is_written_through_it(work, earlier):
    shutil.copytree(earlier, work / "real")
    (work / "link").symlink_to("real")
    refused(work, "analyze", "orders.csv", "--out", "link", "--force", says="link is a symbolic link (to real)")
    (work / "dangling").symlink_to("nowhere")
    refused(work, "generate", "dangling", "--customers", "30", says="dangling is a symbolic link")


def test_dot_and_dotdot_are_refused_before_the_work(work):
    done = refused(work, "analyze", "orders.csv", "--out", ".", says="names the current folder")
    assert "reading" not in done.stderr  # refused before reading, not after all the work
    refused(work, "analyze", "orders.csv", "--out", "a/missing/..", says="give the name of a new folder")
    refused(work, "generate", "..", "--customers", "30", says="give the name of a new folder")


def test_output_over_a_file_or_around_the_input_is_refused(work):
    refused(work, "analyze", "orders.csv", "--out", "orders.csv", says="exists and is a file")
    refused(work, "analyze", "orders.csv", "--out", str(work), "--force", says="contains the input file orders.csv")
    refused(work, "analyze", "orders.csv", "--out", "orders.csv/x/y", says="orders.csv is a file, not a folder")


def test_missing_parents_are_created_only_for_a_successful_run(work, earlier):
    before = snapshot(work)
    run(work, "analyze", "orders.csv", "--out", "new/deep/out", "--as-of", "2020-01-01", code=3)  # orders after as-of
    assert snapshot(work) == before  # no new/ or new/deep/ left behind
    assert sorted(p.name for p in earlier.parent.parent.parent.iterdir()) == ["new"]  # the fixture's run created them
    assert sorted(p.name for p in earlier.iterdir()) == ["action_list.csv", "action_list.parquet", "report.html", "summary.json"]


# ----------------------------------------------------------------------------- races and kills

def test_two_runs_to_one_new_folder_the_loser_exits_4(work):
    cmd = [sys.executable, "-m", "playbook", "analyze", "orders.csv", "--out", "race", "--quiet"]
    procs = [subprocess.Popen(cmd, cwd=work, env=ENV, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = sorted((p.wait(timeout=120), p.stderr.read()) for p in procs)
    assert [code for code, _ in results] == [0, 4], results
    assert "race" in results[1][1] and "--force" in results[1][1] and "overwrite=True" not in results[1][1]
    assert sorted(p.name for p in work.iterdir()) == ["orders.csv", "race"]  # no temporary folder left


def test_a_file_added_during_the_run_is_never_deleted(work, earlier):
    shutil.copytree(earlier, work / "out")
    done = run(work, "out/added.txt", "analyze", "orders.csv", "--out", "out", "--force", "--quiet", code=4, wrapper=WRITE_AT_SWAP)
    assert "is not an output of playbook analyze any more" in done.stderr and "it holds 'added.txt'" in done.stderr
    assert (work / "out" / "added.txt").read_text() == "mine"
    assert snapshot(work / "out", skip=work / "out" / "added.txt") == snapshot(earlier)
    assert sorted(p.name for p in work.iterdir()) == ["orders.csv", "out"]  # old output back in place, new one discarded


def test_a_folder_that_appears_during_the_run_is_not_replaced_without_force(work):
    done = run(work, "new/theirs.txt", "analyze", "orders.csv", "--out", "new", "--quiet", code=4, wrapper=WRITE_AT_SWAP)
    assert "Output folder new exists now and is not empty (it appeared or changed while this run was working" in done.stderr
    assert "new output was discarded" in done.stderr and "--force" in done.stderr
    assert sorted(p.name for p in work.iterdir()) == ["new", "orders.csv"] and os.listdir(work / "new") == ["theirs.txt"]


def test_sigterm_while_replacing_keeps_the_earlier_output_and_leaves_nothing(work, earlier):
    shutil.copytree(earlier, work / "out")
    before = snapshot(work)
    done = run(work, "SIGTERM", "analyze", "orders.csv", "--out", "out", "--force", "--quiet", code=143, wrapper=KILL_AT_SWAP)
    assert "terminated; no partial output was written" in done.stderr
    assert snapshot(work) == before


def test_a_killed_runs_temporary_folder_is_cleaned_by_the_next_run_which_replaces_its_own_output(work, earlier):
    shutil.copytree(earlier, work / "out")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    stranger = work / f".out.playbook-tmp-{dead}-abc"  # named like a temporary folder, but not marked as the kit's
    stranger.mkdir()
    (stranger / "keep.txt").write_text("not the kit's")
    before = snapshot(work, skip=work / "out")
    killed = run(work, "SIGKILL", "analyze", "orders.csv", "--out", "out", "--force", "--quiet", wrapper=KILL_AT_SWAP)
    assert killed.returncode == -signal.SIGKILL
    left = [p.name for p in work.iterdir() if p.name.startswith(".out.playbook-tmp-") and p != stranger]
    assert len(left) == 1 and snapshot(work / "out") == snapshot(earlier)  # SIGKILL cannot clean up; the old output is intact
    done = run(work, "analyze", "orders.csv", "--out", "out", "--force", "--lang", "zh", code=0)
    assert f"removed {left[0]}, the temporary folder of an earlier playbook run that was killed" in done.stderr
    assert f"left {stranger}: it looks like a killed playbook run's temporary folder but is not marked" in done.stderr
    assert snapshot(work, skip=work / "out") == before
    assert '<html lang="zh">' in (work / "out" / "report.html").read_text(encoding="utf-8")


def test_an_earlier_output_a_killed_run_had_moved_aside_is_put_back(work):
    write_dataset(generate("retail", n_customers=30, seed=1), work / "aside")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    kept = snapshot(work / "aside")
    (work / "aside").rename(work / f".ds.playbook-old-{dead}-xyz")  # killed between moving it aside and renaming the new one in
    done = run(work, "generate", "ds", "--customers", "30", code=4)
    assert f"restored {work / 'ds'} from .ds.playbook-old-{dead}-xyz" in done.stderr and "already exists" in done.stderr
    assert sorted(p.name for p in work.iterdir()) == ["ds", "orders.csv"] and snapshot(work / "ds") == kept


# ----------------------------------------------------------------------------- files: dictionary and exports

def test_dictionary_never_overwrites_a_users_file_and_keeps_normal_permissions(work):
    (work / "notes.md").write_text("# My notes\n")
    refused(work, "dictionary", "--out", "notes.md", says="notes.md exists and is not a data dictionary written by playbook")
    (work / "sub").mkdir()
    refused(work, "dictionary", "--out", "sub", says="sub exists and is not a file")
    old = os.umask(0o022)
    try:
        run(work, "dictionary", "--out", "dd.md", code=0)
    finally:
        os.umask(old)
    assert stat.S_IMODE((work / "dd.md").stat().st_mode) == 0o644
    run(work, "dictionary", "--out", "dd.md", code=0)  # its own file: regenerated (make dictionary)
    assert (work / "dd.md").read_text(encoding="utf-8").startswith("# Data dictionary")


def test_exported_csv_neutralises_full_width_and_invisible_formula_prefixes(earlier):
    ids = pd.read_csv(earlier / "action_list.csv", dtype=str, encoding="utf-8-sig")["customer_id"]
    hostile = [i for i in ids if not i.startswith("C0")]
    assert len(hostile) == 7 and all(i.startswith("'") for i in hostile), hostile
    summary = json.loads((earlier / "summary.json").read_text(encoding="utf-8"),
                         parse_constant=lambda c: pytest.fail(f"summary.json holds {c}"))
    assert summary["made_by"] == "playbook analyze"


# ----------------------------------------------------------------------------- messages at the boundary

def test_control_characters_in_names_are_escaped(work):
    evil = "ev\x1b[31mil\r.csv"
    shutil.copy(work / "orders.csv", work / evil)
    (work / "o\x1b]0;x\x07").mkdir()
    (work / "o\x1b]0;x\x07" / "f").write_text("x")
    done = refused(work, "analyze", evil, "--out", "o\x1b]0;x\x07", says="Output folder o\\x1b]0;x\\x07 already exists")
    assert done.stderr.count("\n") == 1
    refused(work, "analyze", evil, "--out", "x", "--map", "customer_id=k\x1bd", code=3, says="ev\\x1b[31mil\\r.csv has no column")


@pytest.mark.parametrize("argv, code, says", [
    (["analyze", "orders.csv", "--out", "o", "--as-of", "2300-01-01"], 2, "--as-of '2300-01-01' is outside 1900-2200: give the review date"),
    (["analyze", "orders.csv", "--out", "o", "--date-format", "%Q"], 2, "--date-format '%Q' is not a valid date format ('Q' is a bad directive"),
    (["analyze", "none.csv", "--out", "o"], 2, "No file"),
    (["analyze", "garbage.parquet", "--out", "o"], 3, "garbage.parquet cannot be read"),
    (["generate", "g", "--start", "1000-01-01", "--customers", "30"], 2, "start"),
])
def test_errors_are_one_line_with_the_right_exit_code(work, argv, code, says):
    (work / "garbage.parquet").write_bytes(b"PAR1" + os.urandom(200))
    refused(work, *argv, code=code, says=says)


def test_debug_shows_the_traceback(work):
    done = run(work, "analyze", "orders.csv", "--out", "o", "--as-of", "2300-01-01", "--debug", code=2)
    assert "Traceback" in done.stderr and done.stderr.endswith("is outside 1900-2200: give the review date, "
                                                               "such as --as-of '2025-12-31'.\n")
    assert run(work, "--debug", "dictionary", "--out", ".", code=4).stderr.count("Traceback") == 1
