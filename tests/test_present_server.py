"""``playbook present``: finding the notebook, Voila's arguments, and the two repairs it makes.

The server itself is started and driven in a real browser by tests/browser (every notebook
renders, its widgets move, and closing the page ends its kernel with XSRF protection on).
"""
import asyncio
import time
from queue import Empty

import pytest
import zmq
import zmq.asyncio

from playbook import cli, present


def _run(coro):
    """``asyncio.run(coro)`` in a thread of its own: under xdist this file can share its worker with the browser
    tests, whose session-wide Playwright (sync API) keeps an event loop running in the main thread."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture
def notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ("00_start_here", "03_pareto_and_tiers", "13_bring_your_own_data"):
        (folder / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    (folder / "notes.txt").write_text("not a notebook", encoding="utf-8")
    return folder


@pytest.mark.parametrize("target, expected", [("03", "03_pareto_and_tiers"), ("3", "03_pareto_and_tiers"),
                                              ("13", "13_bring_your_own_data"), ("0", "00_start_here")])
def test_a_number_finds_its_notebook(notebooks, target, expected):
    assert present.find_notebook(target, notebooks) == notebooks / f"{expected}.ipynb"


def test_a_missing_number_names_the_notebooks_there(notebooks):
    with pytest.raises(FileNotFoundError, match=r"no notebook 07_\*\.ipynb in .*notebooks there: 00_start_here, "
                                                r"03_pareto_and_tiers, 13_bring_your_own_data"):
        present.find_notebook("07", notebooks)


def test_a_path_is_served_as_it_is_and_must_be_a_notebook_or_folder(notebooks):
    assert present.find_notebook(str(notebooks)) == notebooks
    assert present.find_notebook(str(notebooks / "00_start_here.ipynb")) == notebooks / "00_start_here.ipynb"
    with pytest.raises(FileNotFoundError, match="notes.txt is not a notebook"):
        present.find_notebook(str(notebooks / "notes.txt"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        present.find_notebook(str(notebooks / "99_nothing.ipynb"))


def test_voila_arguments_cull_orphan_kernels_and_let_the_caller_override(tmp_path):
    argv = present.voila_argv(tmp_path, port=9999, open_browser=False, extra=["--VoilaExecutor.timeout=5"])
    assert argv[0] == str(tmp_path)
    assert "--port=9999" in argv and "--Voila.ip=127.0.0.1" in argv and "--no-browser" in argv
    assert f"--MappingKernelManager.cull_idle_timeout={present.CULL_IDLE_S}" in argv
    assert argv[-1] == "--VoilaExecutor.timeout=5"
    assert "--no-browser" not in present.voila_argv(tmp_path)


def test_options_after_double_dash_go_to_voila():
    assert present.split_voila_options(["03", "--port", "1", "--", "--debug", "--x=1"]) == (["03", "--port", "1"], ["--debug", "--x=1"])
    assert present.split_voila_options(["03"]) == (["03"], [])


def test_the_command_line_refuses_an_unknown_notebook_with_exit_2(notebooks, capsys):
    code = cli.main(["present", "07", "--notebooks", str(notebooks), "--no-browser"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.startswith("playbook present: error: no notebook 07_*.ipynb") and "03_pareto_and_tiers" in err


def test_prelaunch_hook_makes_the_page_carry_the_xsrf_cookie():
    """Voila's page sends the _xsrf cookie back to shut its kernel down; the hook makes tornado set it."""
    from tornado.httpclient import AsyncHTTPClient
    from tornado.httpserver import HTTPServer
    from tornado.testing import bind_unused_port
    from tornado.web import Application, RequestHandler

    class Page(RequestHandler):
        def get(self, hooked):
            if hooked == "hooked":
                assert present.prelaunch_hook(self, notebook=None, cwd=".") is None
            self.write("page")

    async def cookies() -> dict:
        sock, port = bind_unused_port()
        server = HTTPServer(Application([(r"/(\w+)", Page)], cookie_secret="test", xsrf_cookies=True))
        server.add_sockets([sock])
        client = AsyncHTTPClient()
        try:
            found = {}
            for name in ("plain", "hooked"):
                response = await client.fetch(f"http://127.0.0.1:{port}/{name}")
                found[name] = response.headers.get_list("Set-Cookie")
            return found
        finally:
            server.stop()

    found = _run(cookies())
    assert any(c.startswith("_xsrf=") for c in found["hooked"]), found
    assert not any(c.startswith("_xsrf=") for c in found["plain"]), found


def _channel_pair():
    from jupyter_client.channels import AsyncZMQSocketChannel
    from jupyter_client.session import Session

    ctx = zmq.asyncio.Context()
    receiver, sender = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
    address = f"inproc://steady-{time.monotonic_ns()}"
    receiver.bind(address)
    sender.connect(address)
    session = Session()
    return ctx, AsyncZMQSocketChannel(receiver, session), sender, session


def test_steady_polls_keep_get_msg_s_contract(monkeypatch):
    from jupyter_client.channels import AsyncZMQSocketChannel

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", AsyncZMQSocketChannel.get_msg)  # undone after the test
    assert present.steady_shell_polls() is True
    assert present.steady_shell_polls() is False  # idempotent

    async def scenario():
        ctx, channel, sender, session = _channel_pair()
        try:
            # nothing comes: Empty once the timeout has passed, not before
            start = time.monotonic()
            with pytest.raises(Empty):
                await channel.get_msg(timeout=0.8)
            waited = time.monotonic() - start
            assert 0.75 <= waited < 0.8 + 2 * present.POLL_SLICE_S

            # a message arriving after several slices is returned, with its content
            async def later():
                await asyncio.sleep(3 * present.POLL_SLICE_S + 0.1)
                await sender.send_multipart(session.serialize(session.msg("comm_msg", content={"n": 1})))

            task = asyncio.ensure_future(later())
            msg = await channel.get_msg(timeout=10)
            await task
            assert msg["msg_type"] == "comm_msg" and msg["content"] == {"n": 1}

            # no timeout: waits across slices until one comes
            task = asyncio.ensure_future(later())
            msg = await channel.get_msg()
            await task
            assert msg["content"] == {"n": 1}
        finally:
            channel.close()
            sender.close(linger=0)
            ctx.term()

    _run(scenario())
