"""A stdlib-only client for the FlowSteer environment protocol ``flowsteer.env/1``."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = "flowsteer.env/1"


class EnvError(RuntimeError):
    """A request the environment server refused: HTTP status plus its machine-readable reason."""

    def __init__(self, status: int, reason: str, message: str):
        super().__init__(f"HTTP {status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


@dataclass
class StepResult:
    """One canvas step as the server returned it."""

    session: str
    observation: dict[str, Any]
    feedback: str
    done: bool
    action: str
    info: dict[str, Any]
    reward: float
    breakdown: dict[str, Any] | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @staticmethod
    def from_json(body: dict[str, Any]) -> "StepResult":
        return StepResult(
            session=body["session"],
            observation=body["observation"],
            feedback=body["feedback"],
            done=bool(body["done"]),
            action=body["action"],
            info=body["info"],
            reward=float(body["reward"]),
            breakdown=body.get("breakdown"),
            raw=body,
        )


class EnvClient:
    """Talks to ``flowsteer serve-env``. Thread-safe: every call opens its own request."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 600.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps({"protocol": PROTOCOL_VERSION, **body}).encode("utf-8")
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                payload = json.loads(text)
            except ValueError:
                payload = {"reason": "INTERNAL", "error": text[:500]}
            raise EnvError(error.code, str(payload.get("reason", "INTERNAL")), str(payload.get("error", ""))) from None

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/v1/health")

    def schema(self) -> dict[str, Any]:
        return self._request("GET", "/v1/schema")

    @staticmethod
    def _reset_body(task: dict[str, Any], seed: int | None, schedule: str | None, scoring: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"task": task}
        if seed is not None:
            body["seed"] = seed
        if schedule is not None:
            body["schedule"] = schedule
        if scoring is not None:
            body["scoring"] = scoring
        return body

    def reset(self, task: dict[str, Any], seed: int | None = None, schedule: str | None = None, scoring: str | None = None) -> dict[str, Any]:
        """Opens a session: ``{"session", "seed", "schedule", "observation"}``."""
        return self._request("POST", "/v1/reset", self._reset_body(task, seed, schedule, scoring))

    def step(self, session: str, action: str) -> StepResult:
        """Sends the raw completion; the server applies the app policy's clean-up before parsing."""
        return StepResult.from_json(self._request("POST", "/v1/step", {"session": session, "action": action}))

    def batch_reset(self, requests: list[dict[str, Any]]) -> list[dict[str, Any] | EnvError]:
        """Resets many sessions in one call; each item is a reset body or the error it got."""
        return self._batch("/v1/batch/reset", requests, lambda body: body)

    def batch_step(self, steps: list[tuple[str, str]]) -> list[StepResult | EnvError]:
        return self._batch("/v1/batch/step", [{"session": s, "action": a} for s, a in steps], StepResult.from_json)

    def _batch(self, path: str, requests: list[dict[str, Any]], convert: Any) -> list[Any]:
        body = self._request("POST", path, {"requests": requests})
        results: list[Any] = []
        for item in body["results"]:
            payload = item["body"]
            if item["status"] == 200:
                results.append(convert(payload))
            else:
                results.append(EnvError(item["status"], payload.get("reason", "INTERNAL"), payload.get("error", "")))
        return results

    def delete(self, session: str) -> None:
        self._request("DELETE", f"/v1/sessions/{session}")

    def rollout(self, task: dict[str, Any], rollout: dict[str, str] | None = None, seed: int | None = None, schedule: str | None = None) -> dict[str, Any]:
        """Proxy mode: the server runs the whole episode with its gateway policy."""
        body = self._reset_body(task, seed, schedule, None)
        if rollout is not None:
            body["rollout"] = rollout
        return self._request("POST", "/v1/rollout", body)
