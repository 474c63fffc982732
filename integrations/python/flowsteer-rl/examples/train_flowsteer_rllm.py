"""Trains a Flow-Director with rLLM on verl against ``flowsteer serve-env`` (see the README).

The environment server must be reachable at ``FLOWSTEER_ENV_URL`` (with ``FLOWSTEER_ENV_TOKEN`` when
it requires one). Hydra overrides come from ``train_flowsteer_qwen3_8b.sh``.
"""

import os

import hydra
from rllm.data.dataset import DatasetRegistry
from rllm.trainer.agent_trainer import AgentTrainer
from rllm.workflows.multi_turn_workflow import MultiTurnWorkflow

from flowsteer_rl.rllm_agent import FlowSteerAgent
from flowsteer_rl.rllm_env import FlowSteerEnv


@hydra.main(config_path="pkg://rllm.trainer.config", config_name="agent_ppo_trainer", version_base=None)
def main(config):
    trainer = AgentTrainer(
        workflow_class=MultiTurnWorkflow,
        workflow_args={
            "agent_cls": FlowSteerAgent,
            "env_cls": FlowSteerEnv,
            "env_args": {"base_url": os.environ["FLOWSTEER_ENV_URL"], "token": os.environ.get("FLOWSTEER_ENV_TOKEN")},
            # 20 canvas rounds, plus the step on which the round limit ends an unfinished episode.
            "max_steps": 21,
        },
        config=config,
        train_dataset=DatasetRegistry.load_dataset("flowsteer", "train"),
        val_dataset=DatasetRegistry.load_dataset("flowsteer", "test"),
    )
    trainer.train()


if __name__ == "__main__":
    main()
