"""Starts ``flowsteer serve-env`` as a child process (for tests and single-node runs)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from pathlib import Path

_URL = re.compile(r"serving the canvas at (http://\S+)")


class ServeEnvProcess:
    """``with ServeEnvProcess(["node", "flowsteer", ...]) as url: ...``; stops it with SIGTERM."""

    def __init__(self, command: list[str], extra_args: list[str] | None = None, env: dict[str, str] | None = None, start_timeout: float = 120.0):
        self.command = [*command, "serve-env", "--port", "0", *(extra_args or [])]
        self.env = {**os.environ, **(env or {})}
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    @staticmethod
    def from_repo(repo_root: Path, extra_args: list[str] | None = None, env: dict[str, str] | None = None) -> "ServeEnvProcess":
        """The monorepo's built binary (``apps/tui/dist/main.js``) run by ``node``."""
        return ServeEnvProcess(["node", str(repo_root / "apps" / "tui" / "dist" / "main.js")], extra_args, env)

    def __enter__(self) -> str:
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        found = threading.Event()
        stderr: list[str] = []

        def read_stdout() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                match = _URL.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()

        def read_stderr() -> None:
            assert self.process is not None and self.process.stderr is not None
            for line in self.process.stderr:
                stderr.append(line)

        threading.Thread(target=read_stdout, daemon=True).start()
        threading.Thread(target=read_stderr, daemon=True).start()
        if not found.wait(self.start_timeout) or not self.url:
            self.stop()
            raise RuntimeError(f"serve-env did not start: {''.join(stderr)[-2000:]}")
        return self.url

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __exit__(self, *exc: object) -> None:
        self.stop()
