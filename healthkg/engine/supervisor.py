"""The ``healthkg serve`` process: supervises the engine and gunicorn's arbiter.

Both are children of this process (gunicorn's arbiter reaps every child it has, so the
engine cannot be one of its children). The supervisor holds the engine's listening Unix
socket across engine restarts: a connection made while the engine restarts waits in the
socket's backlog instead of failing. A dead engine (killed at a query deadline) is forked
again at once, from this process, where everything it needs is already imported.

Stopping (SIGTERM, SIGINT, SIGHUP): gunicorn is stopped first, so that requests in flight
finish; then the engine, by closing its lifeline pipe (the engine ignores signals sent to
the whole process group, such as Ctrl-C). The exit code is 0. Children die with the
supervisor (``PR_SET_PDEATHSIG``), so nothing is orphaned even if it is killed outright.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import select
import shutil
import signal
import socket
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from healthkg.config import Settings

# Imported before any fork, so that a restarted engine starts without importing anything.
from healthkg.engine import service
from healthkg.engine.version import VersionBoard
from healthkg.errors import HealthkgError
from healthkg.store.base import Store

log = logging.getLogger("healthkg.engine")

AppFactory = Callable[[Settings, Store], Any]
#: An engine dying this soon after it started counts as a failure to start.
_QUICK_DEATH = 1.0
_MAX_QUICK_DEATHS = 5
_PR_SET_PDEATHSIG = 1
_RUN_DIR_PREFIX = "healthkg-run-"
_PID_FILE = "supervisor.pid"
_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM)


def _remove_stale_run_dirs() -> None:
    # A supervisor killed outright (SIGKILL) cannot remove its run directory: the next one
    # does, when the pid recorded there is no longer alive.
    for pid_file in Path(tempfile.gettempdir()).glob(f"{_RUN_DIR_PREFIX}*/{_PID_FILE}"):
        try:
            os.kill(int(pid_file.read_text()), 0)
        except ProcessLookupError:
            shutil.rmtree(pid_file.parent, ignore_errors=True)
        except (OSError, ValueError):
            continue


def _die_with_parent(sig: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: rely on the supervisor's own shutdown
        pass


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


class Supervisor:
    """Run the engine and the web server until told to stop."""

    def __init__(self, settings: Settings, app_factory: AppFactory) -> None:
        self.settings = settings
        self.app_factory = app_factory
        self.engine_pid: int | None = None
        self.web_pid: int | None = None
        self.stopping = False
        self._lifeline: int | None = None
        """Write end of the running engine's lifeline pipe; closing it stops the engine."""
        self._listener: socket.socket | None = None
        self._engine_started = 0.0
        self._quick_deaths = 0

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; return the exit code."""
        _remove_stale_run_dirs()
        run_dir = Path(tempfile.mkdtemp(prefix=_RUN_DIR_PREFIX))
        (run_dir / _PID_FILE).write_text(str(os.getpid()))
        try:
            return self._run(run_dir)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)

    def _run(self, run_dir: Path) -> int:
        started = time.monotonic()
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(run_dir / "engine.sock"))
        listener.listen(1024)
        self._listener = listener
        VersionBoard(run_dir / "version", create=True).close()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_stop)

        if not self._start_engine(listener, run_dir, wait=True):
            self._stop_engine()
            self._reap_all()
            return 0 if self.stopping else 1
        if not self.stopping:
            self.web_pid = self._fork_web(listener, run_dir)
            log.info("engine %s and web server %s started in %.0f ms", self.engine_pid,
                     self.web_pid, (time.monotonic() - started) * 1000)
        else:
            self._stop_engine()
        exit_code = 0
        while self.engine_pid is not None or self.web_pid is not None:
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            code = os.waitstatus_to_exitcode(status)
            if pid == self.engine_pid:
                self.engine_pid = None
                self._close_lifeline()
                if self.stopping:
                    # Requests still waiting for an engine fail at once rather than at
                    # their deadline.
                    self._close_listener()
                elif not self._restart_engine(listener, run_dir, code):
                    exit_code = 1
                    self._stop()
            elif pid == self.web_pid:
                self.web_pid = None
                if not self.stopping:
                    log.error("web server exited unexpectedly (%s); stopping", code)
                    exit_code = code or 1
                    self._stop()
                self._stop_engine()
        self._close_listener()
        signal.alarm(0)
        return exit_code

    def _reap_all(self) -> None:
        while True:
            try:
                os.waitpid(-1, 0)
            except ChildProcessError:
                return

    # -- stopping --------------------------------------------------------------------------

    def _on_stop(self, signum: int, frame: object) -> None:
        if not self.stopping:
            log.info("received %s: stopping", signal.Signals(signum).name)
        self._stop()

    def _stop(self) -> None:
        """Stop gunicorn (the engine follows when it has exited)."""
        if not self.stopping:
            self.stopping = True
            # Children that do not stop in time are killed: the process must end (gunicorn
            # first lets requests in flight run to their deadline).
            signal.signal(signal.SIGALRM, self._on_stop_timeout)
            signal.alarm(max(30, int(self.settings.query_timeout) + 20))
        if self.web_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.web_pid, signal.SIGTERM)
        else:
            self._stop_engine()

    def _stop_engine(self) -> None:
        self._close_lifeline()

    def _close_lifeline(self) -> None:
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def _on_stop_timeout(self, signum: int, frame: object) -> None:
        for pid in (self.web_pid, self.engine_pid):
            if pid is not None:
                log.error("process %d did not stop in time: killing it", pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    # -- the engine ------------------------------------------------------------------------

    def _start_engine(self, listener: socket.socket, run_dir: Path, *, wait: bool) -> bool:
        ready_r, ready_w = os.pipe()
        life_r, life_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the engine
            os.close(ready_r)
            os.close(life_w)
            self._engine_main(listener, run_dir, ready_w, life_r)
        os.close(ready_w)
        os.close(life_r)
        self._lifeline = life_w
        self.engine_pid = pid
        self._engine_started = time.monotonic()
        try:
            return self._wait_ready(pid, ready_r) if wait else True
        finally:
            os.close(ready_r)

    def _wait_ready(self, pid: int, ready_r: int) -> bool:
        while not self.stopping:
            readable, _, _ = select.select([ready_r], [], [], 0.2)
            if readable and os.read(ready_r, 1) == b"1":
                return True
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.engine_pid = None
                log.error("the service cannot start (the engine exited with status %s)",
                          os.waitstatus_to_exitcode(status))
                return False
        return False

    def _engine_main(self, listener: socket.socket, run_dir: Path, ready_w: int,
                     lifeline: int) -> None:
        code = 1
        try:
            _die_with_parent(signal.SIGKILL)
            for sig in _SIGNALS:
                signal.signal(sig, signal.SIG_DFL)

            def ready() -> None:
                # A restarted engine is not waited for: its pipe may have no reader.
                with contextlib.suppress(OSError):
                    os.write(ready_w, b"1")
                os.close(ready_w)

            service.run(self.settings, listener, run_dir, ready, lifeline)
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except (OSError, ValueError, RuntimeError, HealthkgError) as exc:
            # What a person can fix: a store in use or unreadable, a data file with an error.
            log.error("the engine cannot open the store: %s", exc)
        except BaseException:
            traceback.print_exc()
        finally:
            logging.shutdown()
            os._exit(code)

    def _restart_engine(self, listener: socket.socket, run_dir: Path, code: int) -> bool:
        lived = time.monotonic() - self._engine_started
        self._quick_deaths = self._quick_deaths + 1 if lived < _QUICK_DEATH else 0
        if self._quick_deaths >= _MAX_QUICK_DEATHS:
            log.error("the engine keeps dying at start-up (last exit status %s); giving up",
                      code)
            return False
        reason = f"signal {-code}" if code < 0 else f"status {code}"
        log.warning("engine exited (%s) after %.1f s; restarting it", reason, lived)
        if self._quick_deaths:
            time.sleep(0.1 * self._quick_deaths)
        return self._start_engine(listener, run_dir, wait=False)

    # -- the web server --------------------------------------------------------------------

    def _fork_web(self, listener: socket.socket, run_dir: Path) -> int:
        pid = os.fork()
        if pid != 0:
            return pid
        code = 1
        try:
            # Only the supervisor may hold the engine's socket and lifeline.
            listener.close()
            self._close_lifeline()
            _die_with_parent(signal.SIGTERM)
            for sig in _SIGNALS:
                signal.signal(sig, signal.SIG_DFL)
            from healthkg.engine.web import WebServer
            from healthkg.store.engine import EngineStore

            store = EngineStore(run_dir)
            WebServer(self.app_factory(self.settings, store), self.settings).run()
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc)
        except BaseException:
            traceback.print_exc()
        finally:
            logging.shutdown()
            os._exit(code)
