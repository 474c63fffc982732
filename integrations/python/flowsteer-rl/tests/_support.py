"""Shared test setup: the rLLM stubs on sys.path and a real ``flowsteer serve-env`` to talk to.

``FLOWSTEER_ENV_URL`` points the tests at a running server; otherwise each test module starts the
monorepo's built binary (``apps/tui/dist/main.js``) with the test executor and stops it at the end.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[3]
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE / "stubs"))

from flowsteer_rl import ServeEnvProcess  # noqa: E402

FULL_SCRIPT = [
    "<action>add</action><operator>Plan</operator>",
    "Plan how to compute the product.",
    "<action>add</action><operator>Programmer</operator>",
    "Write solve() that returns the product.",
    "<action>add</action><operator>Custom</operator>",
    "State the result.",
    "<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>",
    "Recompute the product independently.",
    "Fix the answer using the feedback.",
    "<action>add</action><operator>Format</operator>",
    "Output only the number.",
    "<action>finish</action>",
]

MATH_TASK = {"problem": "What is 6 times 7?", "type": "math", "answer": "42", "source": "gsm8k"}


class Server:
    """Starts serve-env once per test module (or uses FLOWSTEER_ENV_URL)."""

    def __init__(self, extra_args: list[str] | None = None, env: dict[str, str] | None = None):
        self.process: ServeEnvProcess | None = None
        self.extra_args = extra_args or []
        self.env = env
        self.url = ""

    def start(self) -> str:
        given = os.environ.get("FLOWSTEER_ENV_URL")
        if given and not self.extra_args and not self.env:
            self.url = given
            return self.url
        self.process = ServeEnvProcess.from_repo(REPO_ROOT, ["--executor", "sim", "--max-sessions", "4096", *self.extra_args], self.env)
        self.url = self.process.__enter__()
        return self.url

    def stop(self) -> int | None:
        return self.process.stop() if self.process is not None else None
