from .base_env import BaseEnv

__all__ = ["BaseEnv"]
