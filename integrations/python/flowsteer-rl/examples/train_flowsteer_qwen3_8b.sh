#!/usr/bin/env bash
# The paper's recipe on rLLM + verl: Qwen3-8B with LoRA r64, GRPO groups of 36, clip 0.2,
# low-variance KL 0.005, entropy 0.005, AdamW lr 1e-5 weight decay 0.01, 20 canvas rounds.
# The canvas round limit is serve-env's (--max-rounds 20); per-turn samples carry the episode
# reward (stepwise advantage, broadcast). Requires FLOWSTEER_ENV_URL (and FLOWSTEER_ENV_TOKEN).
set -euo pipefail
: "${FLOWSTEER_ENV_URL:?start flowsteer serve-env and set FLOWSTEER_ENV_URL}"
NODES="${NODES:-1}"
GPUS_PER_NODE="${GPUS_PER_NODE:-8}"

python3 -m examples.train_flowsteer_rllm \
    algorithm.adv_estimator=grpo \
    data.train_batch_size=32 \
    data.max_prompt_length=6144 \
    data.max_response_length=512 \
    actor_rollout_ref.model.path=Qwen/Qwen3-8B \
    actor_rollout_ref.model.lora_rank=64 \
    actor_rollout_ref.model.lora_alpha=64 \
    actor_rollout_ref.model.target_modules=all-linear \
    actor_rollout_ref.model.enable_gradient_checkpointing=True \
    actor_rollout_ref.actor.optim.lr=1e-5 \
    actor_rollout_ref.actor.optim.weight_decay=0.01 \
    actor_rollout_ref.actor.clip_ratio_low=0.2 \
    actor_rollout_ref.actor.clip_ratio_high=0.2 \
    actor_rollout_ref.actor.use_kl_loss=True \
    actor_rollout_ref.actor.kl_loss_coef=0.005 \
    actor_rollout_ref.actor.kl_loss_type=low_var_kl \
    actor_rollout_ref.actor.entropy_coeff=0.005 \
    actor_rollout_ref.actor.ppo_mini_batch_size=32 \
    actor_rollout_ref.actor.use_dynamic_bsz=True \
    actor_rollout_ref.rollout.name=vllm \
    actor_rollout_ref.rollout.mode=async \
    actor_rollout_ref.rollout.n=36 \
    actor_rollout_ref.rollout.temperature=0.6 \
    actor_rollout_ref.rollout.top_p=0.95 \
    actor_rollout_ref.rollout.calculate_log_probs=True \
    rllm.workflow.use_workflow=True \
    rllm.workflow.n_parallel_tasks=1152 \
    rllm.stepwise_advantage.enable=True \
    rllm.stepwise_advantage.mode=broadcast \
    trainer.nnodes="${NODES}" \
    trainer.n_gpus_per_node="${GPUS_PER_NODE}" \
    trainer.project_name=flowsteer \
    trainer.experiment_name=qwen3-8b-lora64-cwrpo \
    trainer.logger="['console']" \
    "$@"
