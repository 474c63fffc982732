"""rLLM environment adapter: ``FlowSteerEnv`` is an ``rllm.environments.base.base_env.BaseEnv``.

rLLM's ``MultiTurnWorkflow`` builds the env with ``env_cls(**env_args)``, calls ``env.reset(task)``
with the dataset row, then ``env.step(action)`` with what the agent's ``update_from_model`` returned.
The reward is 0 on every step but the last, which carries the episode's CWRPO total; the full
breakdown is in ``info["breakdown"]``.
"""

from __future__ import annotations

from typing import Any

from rllm.environments.base.base_env import BaseEnv

from .client import EnvClient

_ENV_KEYS = ("base_url", "token", "seed", "schedule", "scoring", "timeout")


def _action_text(action: Any) -> str:
    # rLLM passes an ``Action`` (pydantic, field ``action``) or the raw string.
    inner = getattr(action, "action", action)
    if not isinstance(inner, str):
        raise TypeError(f"FlowSteerEnv.step expects the completion text, got {type(inner).__name__}")
    return inner


class FlowSteerEnv(BaseEnv):
    """One canvas episode on ``flowsteer serve-env`` per ``reset``."""

    def __init__(self, task: dict | None = None, base_url: str = "http://127.0.0.1:8765", token: str | None = None, seed: int | None = None, schedule: str | None = None, scoring: str | None = None, timeout: float = 600.0, client: EnvClient | None = None):
        self.task = task
        self.seed = seed
        self.schedule = schedule
        self.scoring = scoring
        self.client = client or EnvClient(base_url, token=token, timeout=timeout)
        self.session: str | None = None
        self.breakdown: dict | None = None

    def reset(self, task: dict | None = None) -> tuple[dict, dict]:
        """Opens a session for ``task`` (or the one given at construction): ``(observation, info)``."""
        if task is not None:
            self.task = task
        if self.task is None:
            raise ValueError("FlowSteerEnv.reset needs a task (problem, type, answer, ...)")
        self.close()
        seed = self.task.get("seed", self.seed) if isinstance(self.task, dict) else self.seed
        opened = self.client.reset(_task_of(self.task), seed=seed, schedule=self.schedule, scoring=self.scoring)
        self.session = opened["session"]
        self.breakdown = None
        return opened["observation"], {"session": self.session, "seed": opened["seed"], "schedule": opened["schedule"]}

    def step(self, action: Any) -> tuple[Any, float, bool, dict]:
        if self.session is None:
            raise RuntimeError("FlowSteerEnv.step before reset")
        result = self.client.step(self.session, _action_text(action))
        info = {**result.info, "feedback": result.feedback, "action": result.action}
        if result.done:
            self.breakdown = result.breakdown
            info["breakdown"] = result.breakdown
            self.session = None  # the server freed it
        return result.observation, result.reward, result.done, info

    def close(self):
        if self.session is not None:
            try:
                self.client.delete(self.session)
            except Exception:  # noqa: BLE001 - an expired session is already gone
                pass
            self.session = None

    @staticmethod
    def from_dict(info: dict) -> "FlowSteerEnv":
        """``info`` holds the task fields and, optionally, ``base_url``/``token``/``seed``/``schedule``/``scoring``."""
        settings = {key: info[key] for key in _ENV_KEYS if key in info}
        task = {key: value for key, value in info.items() if key not in _ENV_KEYS}
        return FlowSteerEnv(task=task or None, **settings)

    @staticmethod
    def is_multithread_safe() -> bool:
        return True


def _task_of(row: dict) -> dict:
    """A dataset row (FlowSteer-Dataset names accepted by the server) without engine bookkeeping."""
    return {key: value for key, value in row.items() if key not in ("seed", "uid", "data_source", "extra_info") and value is not None}
