"""rLLM agent adapter: ``FlowSteerAgent`` is an ``rllm.agents.agent.BaseAgent``.

As in the reference, each turn's prompt is the canvas's freshly built observation (one user
message), not an accumulated chat: ``chat_completions`` is that turn's messages, and each ``Step``
of the trajectory holds the messages it was generated from plus the completion.
"""

from __future__ import annotations

from typing import Any

from rllm.agents.agent import Action, BaseAgent, Step, Trajectory


class FlowSteerAgent(BaseAgent):
    def __init__(self, system_prompt: str | None = None):
        self.system_prompt = system_prompt
        self._trajectory = Trajectory()
        self._messages: list[dict[str, str]] = []
        self._observation: dict | None = None

    @property
    def chat_completions(self) -> list[dict[str, str]]:
        return list(self._messages)

    @property
    def trajectory(self) -> Trajectory:
        return self._trajectory

    def update_from_env(self, observation: Any, reward: float, done: bool, info: dict, **kwargs):
        # Reward and done belong to the step whose action produced them.
        if self._trajectory.steps:
            last = self._trajectory.steps[-1]
            last.reward = reward
            last.done = done
            last.info.update(info)
        if done:
            return
        self._observation = observation
        messages = [{"role": m["role"], "content": m["content"]} for m in observation["messages"]]
        if self.system_prompt is not None:
            messages = [{"role": "system", "content": self.system_prompt}, *messages]
        self._messages = messages

    def update_from_model(self, response: str, **kwargs) -> Action:
        step = Step(
            chat_completions=[*self._messages, {"role": "assistant", "content": response}],
            observation=self._observation,
            model_response=response,
            action=response,
        )
        self._trajectory.steps.append(step)
        # The server applies the app policy's completion clean-up, so the raw text goes as it is.
        return Action(action=response)

    def reset(self):
        self._trajectory = Trajectory()
        self._messages = []
        self._observation = None

    def get_current_state(self) -> Step | None:
        if not self._trajectory.steps:
            return None
        return self._trajectory.steps[-1]
