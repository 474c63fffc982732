"""FlowSteer RL integration: a stdlib client for `flowsteer serve-env` and adapters for RL engines.

The engine adapters live in their own modules (``flowsteer_rl.rllm_env``, ``flowsteer_rl.rllm_agent``)
so that importing the client never imports an engine.
"""

from .client import PROTOCOL_VERSION, EnvClient, EnvError, StepResult
from .server import ServeEnvProcess

__all__ = ["PROTOCOL_VERSION", "EnvClient", "EnvError", "StepResult", "ServeEnvProcess"]
