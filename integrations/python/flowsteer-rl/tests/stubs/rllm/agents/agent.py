"""Stub of ``rllm.agents.agent``: BaseAgent plus Action/Step/Trajectory with rLLM's field names.

rLLM's types are pydantic models (rllm.types); dataclasses with the same fields and defaults stand
in for them here so the tests need no third-party package.
"""

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Action:
    action: Any = None


@dataclass
class Step:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    input: Any | None = None
    output: Any | None = None
    action: Any | None = None
    reward: float = 0.0
    done: bool = False
    metadata: dict | None = None
    prompt_ids: list = field(default_factory=list)
    response_ids: list = field(default_factory=list)
    logprobs: list = field(default_factory=list)
    chat_completions: list = field(default_factory=list)
    observation: Any = None
    thought: str = ""
    model_response: str = ""
    model_output: Any = None
    mc_return: float = 0.0
    advantage: Any = None

    @property
    def info(self) -> dict:
        if self.metadata is None:
            self.metadata = {}
        return self.metadata

    @info.setter
    def info(self, value: dict) -> None:
        self.metadata = value


@dataclass
class Trajectory:
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    name: str = "default_traj_name"
    task: Any = None
    steps: list = field(default_factory=list)
    reward: float | None = None
    metadata: dict | None = None


class BaseAgent(ABC):
    @property
    def chat_completions(self) -> list[dict[str, str]]:
        return []

    @property
    def trajectory(self) -> Trajectory:
        return Trajectory()

    def update_from_env(self, observation: Any, reward: float, done: bool, info: dict, **kwargs):
        raise NotImplementedError("Subclasses must implement update_from_env")

    def update_from_model(self, response: str, **kwargs) -> Action:
        raise NotImplementedError("Subclasses must implement update_from_model")

    @abstractmethod
    def reset(self):
        return

    def get_current_state(self) -> Step | None:
        if not self.trajectory.steps:
            return None
        return self.trajectory.steps[-1]
