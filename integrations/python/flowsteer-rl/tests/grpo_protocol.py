"""A CPU GRPO loop over a tiny transformer against a real ``flowsteer serve-env``.

This is a PROTOCOL TEST, NOT A TRAINER. It checks that what the environment server returns is enough
for group-relative policy optimisation to learn: per-turn samples (canvas tokens masked 0, policy
tokens masked 1), the episode-end CWRPO reward, group advantages. The policy's vocabulary is a few
whole canvas actions and prompts (one "word" each) and its input is a compact word tokenisation of the
state values of the observation (see
`state_words`); an LLM Flow-Director sees the full text and writes tokens.

Run it alone (prints the learning curve):  /usr/bin/python3 tests/grpo_protocol.py [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowsteer_rl import EnvClient, ServeEnvProcess  # noqa: E402

REPO_ROOT = HERE.parents[3]

# Policy vocabulary: each token is one chunk of completion text. EOS ends the completion.
POLICY_TOKENS: list[str] = [
    "",  # EOS
    *[f"<action>add</action><operator>{name}</operator>" for name in ["Plan", "Programmer", "Custom", "Format", "Verify", "Review", "AnswerGenerate", "Revise", "ScEnsemble", "Decompose"]],
    "<action>add</action><structure>conditional</structure><condition>Verify</condition><true>Revise</true><false>done</false>",
    "<action>add</action><structure>parallel</structure><operators>Custom,AnswerGenerate</operators>",
    "<action>finish</action>",
    "Solve the problem step by step and state the final number.",
    "Check the previous result carefully and fix any error.",
    # A thinking model's completion: the server's clean-up drops the think block (an add, not a finish).
    "<think>maybe <action>finish</action> now</think><action>add</action><operator>Plan</operator>",
    "I am not sure what to do next.",
]
EOS = 0
MAX_COMPLETION = 2
DSL_WORD = re.compile(r"[A-Za-z_]+|\d+|[?:\[\]*]")


def state_words(observation: dict) -> tuple[list[str], list[str]]:
    """The canvas state of an observation as a few words, read from its labelled lines.

    Only values are kept (the DSL, the operator count, the round, the advisor's [BLOCK_FINISH] and
    [NEXT] signals, the last step's status, the operator a prompt is asked for): the prose around
    them (hints, reasons, execution results) changes with the canvas version and would crowd the
    state out of the policy's short input.
    """
    dsl, fields = "", {}
    for raw in observation["text"].splitlines():
        line = raw.strip()
        if line.startswith("- Current DSL:"):
            dsl = line.removeprefix("- Current DSL:").strip()
        elif line.startswith("- Total Operators:"):
            fields["ops"] = line.split(":", 1)[1].strip()
        elif line.startswith("- Round:"):
            fields["round"] = line.split(":", 1)[1].strip().split("/")[0]
        elif line.startswith("[BLOCK_FINISH]="):
            fields["block"] = line.removeprefix("[BLOCK_FINISH]=")[:1]
        elif line.startswith("[NEXT]="):
            fields["next"] = line.removeprefix("[NEXT]=").split(" ", 1)[0].replace(":", "_")
        elif line.startswith("[Status]:"):
            fields["status"] = line.removeprefix("[Status]:").strip().split(" ", 1)[0]
        elif line.startswith("Your prompt for "):
            fields["prompt_for"] = line.removeprefix("Your prompt for ").rstrip(":")
    return [f"{key}={value}" for key, value in fields.items()], DSL_WORD.findall("" if dsl == "(empty)" else dsl)


class CanvasTokenizer:
    """State words of the observation -> ids after the policy vocabulary (grown on the fly)."""

    def __init__(self, capacity: int = 400, max_len: int = 32):
        self.offset = len(POLICY_TOKENS) + 2  # + BOS, SEP
        self.capacity = capacity
        self.max_len = max_len
        self.ids: dict[str, int] = {}

    @property
    def vocab_size(self) -> int:
        return self.offset + self.capacity + 1

    def encode(self, observation: dict) -> list[int]:
        # The turn kind always leads; a long DSL keeps its most recent part.
        fields, dsl = state_words(observation)
        head = ["PROMPT_TURN" if observation["awaitingPrompt"] else "ACTION_TURN", *fields]
        words = [*head, *dsl[len(dsl) - max(0, self.max_len - len(head)) :]]
        out = []
        for word in words:
            if word not in self.ids and len(self.ids) < self.capacity:
                self.ids[word] = len(self.ids)
            out.append(self.offset + self.ids.get(word, self.capacity))
        return out


BOS = len(POLICY_TOKENS)
SEP = len(POLICY_TOKENS) + 1


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int, d: int = 32, layers: int = 1, heads: int = 2, max_len: int = 40):
        super().__init__()
        self.embed = nn.Embedding(vocab, d)
        self.position = nn.Embedding(max_len, d)
        block = nn.TransformerEncoderLayer(d, heads, dim_feedforward=4 * d, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(block, layers)
        self.head = nn.Linear(d, len(POLICY_TOKENS))

    def forward(self, tokens: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        n = tokens.shape[1]
        causal = torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        x = self.embed(tokens) + self.position(torch.arange(n))[None]
        return self.head(self.encoder(x, mask=causal, src_key_padding_mask=padding))


@dataclass
class Sample:
    """One per-turn training sample: the sequence, its loss mask and the sampling log-probs."""

    tokens: list[int]
    loss_mask: list[int]
    old_logprobs: list[float]
    episode: int
    reward: float = 0.0
    advantage: float = 0.0


@dataclass
class Episode:
    group: int
    session: str
    samples: list[Sample] = field(default_factory=list)
    breakdown: dict | None = None


def pad(batch: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(seq) for seq in batch)
    tokens = torch.tensor([seq + [EOS] * (width - len(seq)) for seq in batch])
    padding = torch.tensor([[False] * len(seq) + [True] * (width - len(seq)) for seq in batch])
    return tokens, padding


@torch.no_grad()
def generate(model: TinyTransformer, prompts: list[list[int]], generator: torch.Generator) -> list[tuple[list[int], list[float]]]:
    """Samples up to MAX_COMPLETION policy tokens per prompt, batched."""
    seqs = [list(p) for p in prompts]
    outs: list[tuple[list[int], list[float]]] = [([], []) for _ in prompts]
    active = list(range(len(prompts)))
    for _ in range(MAX_COMPLETION):
        if not active:
            break
        tokens, padding = pad([seqs[i] for i in active])
        logits = model(tokens, padding)
        last = torch.tensor([len(seqs[i]) - 1 for i in active])
        logp = torch.log_softmax(logits[torch.arange(len(active)), last], dim=-1)
        picks = torch.multinomial(logp.exp(), 1, generator=generator).squeeze(1)
        still = []
        for row, i in enumerate(active):
            token = int(picks[row])
            outs[i][0].append(token)
            outs[i][1].append(float(logp[row, token]))
            seqs[i].append(token)
            if token != EOS:
                still.append(i)
        active = still
    return outs


def rollout(client: EnvClient, model: TinyTransformer, tokenizer: CanvasTokenizer, tasks: list[dict], group: int, seed: int, generator: torch.Generator) -> list[Episode]:
    requests = [{"task": task, "seed": seed * 100_000 + t * group + g} for t, task in enumerate(tasks) for g in range(group)]
    opened = client.batch_reset(requests)
    episodes, observations = [], {}
    for index, result in enumerate(opened):
        if not isinstance(result, dict):
            raise result
        episodes.append(Episode(group=index // group, session=result["session"]))
        observations[index] = result["observation"]
    while observations:
        live = sorted(observations)
        prompts = [[BOS, *tokenizer.encode(observations[i]), SEP] for i in live]
        completions = generate(model, prompts, generator)
        texts = ["".join(POLICY_TOKENS[t] for t in ids) for ids, _ in completions]
        results = client.batch_step([(episodes[i].session, text) for i, text in zip(live, texts)])
        for i, prompt, (ids, logps), result in zip(live, prompts, completions, results):
            if not hasattr(result, "done"):
                raise result
            episodes[i].samples.append(Sample(tokens=prompt + ids, loss_mask=[0] * len(prompt) + [1] * len(ids), old_logprobs=logps, episode=i))
            if result.done:
                episodes[i].breakdown = result.breakdown
                del observations[i]
            else:
                observations[i] = result.observation
    return episodes


def full_structure_share(episodes: list[Episode]) -> float:
    return sum(1 for e in episodes if e.breakdown and e.breakdown["finished"] and e.breakdown["released"]) / len(episodes)


def grpo_update(model: TinyTransformer, optimizer: torch.optim.Optimizer, episodes: list[Episode], clip: float = 0.2, epochs: int = 3) -> float:
    """Group-relative advantages from the episode-end reward, broadcast to every turn of the episode."""
    by_group: dict[int, list[Episode]] = {}
    for episode in episodes:
        by_group.setdefault(episode.group, []).append(episode)
    samples: list[Sample] = []
    for members in by_group.values():
        rewards = torch.tensor([float(e.breakdown["total"]) for e in members], dtype=torch.float64)
        advantages = (rewards - rewards.mean()) / (rewards.std(unbiased=False) + 1e-6)
        for episode, advantage in zip(members, advantages.tolist()):
            for sample in episode.samples:
                sample.reward = episode.breakdown["total"]
                sample.advantage = advantage
                samples.append(sample)
    tokens, padding = pad([s.tokens for s in samples])
    width = tokens.shape[1]
    mask = torch.tensor([s.loss_mask + [0] * (width - len(s.loss_mask)) for s in samples], dtype=torch.float32)
    old = torch.zeros_like(mask)
    for row, s in enumerate(samples):
        positions = [p for p, m in enumerate(s.loss_mask) if m == 1]
        for p, lp in zip(positions, s.old_logprobs):
            old[row, p] = lp
    advantage = torch.tensor([s.advantage for s in samples])[:, None]
    # Logits at position p-1 predict token p.
    target_mask = mask[:, 1:]
    loss_value = 0.0
    for _ in range(epochs):
        logits = model(tokens, padding)[:, :-1]
        logp = torch.log_softmax(logits, dim=-1)
        targets = tokens[:, 1:].clamp(max=len(POLICY_TOKENS) - 1)
        token_logp = logp.gather(2, targets[..., None]).squeeze(2)
        ratio = torch.exp(token_logp - old[:, 1:])
        surrogate = torch.minimum(ratio * advantage, ratio.clamp(1 - clip, 1 + clip) * advantage)
        loss = -(surrogate * target_mask).sum() / target_mask.sum()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss_value = float(loss)
    return loss_value


def math_tasks(count: int, offset: int) -> list[dict]:
    return [{"id": f"mul-{offset + i}", "problem": f"What is {3 + (offset + i) % 17} times {4 + (offset + i) % 13}?", "type": "math", "answer": str((3 + (offset + i) % 17) * (4 + (offset + i) % 13)), "source": "gsm8k"} for i in range(count)]


def learn(url: str, seed: int, updates: int = 40, tasks_per_update: int = 4, group: int = 8, eval_episodes: int = 32, target: float = 0.5, log=print) -> dict:
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    client = EnvClient(url)
    tokenizer = CanvasTokenizer()
    model = TinyTransformer(tokenizer.vocab_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    started = time.monotonic()

    def evaluate(round_index: int) -> float:
        episodes = rollout(client, model, tokenizer, math_tasks(eval_episodes // 4, 10_000), 4, seed + 7_919 + round_index, generator)
        return full_structure_share(episodes)

    curve = [{"update": 0, "full_structure_share": evaluate(0)}]
    log(json.dumps({"seed": seed, **curve[-1]}))
    reached = None
    for update in range(1, updates + 1):
        episodes = rollout(client, model, tokenizer, math_tasks(tasks_per_update, update * tasks_per_update), group, seed + update, generator)
        loss = grpo_update(model, optimizer, episodes)
        if update % 5 == 0 or update == updates:
            share = evaluate(update)
            curve.append({"update": update, "full_structure_share": share, "train_share": full_structure_share(episodes), "mean_reward": sum(e.breakdown["total"] for e in episodes) / len(episodes), "loss": loss})
            log(json.dumps({"seed": seed, **curve[-1]}))
            if share > target:
                reached = update
                break
    return {"seed": seed, "initial": curve[0]["full_structure_share"], "final": curve[-1]["full_structure_share"], "reached_at": reached, "seconds": time.monotonic() - started, "curve": curve}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--updates", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    server = ServeEnvProcess.from_repo(REPO_ROOT, ["--executor", "sim", "--max-sessions", "4096"])
    with server as url:
        results = [learn(url, int(s), updates=args.updates) for s in args.seeds.split(",")]
    for r in results:
        print(json.dumps({k: r[k] for k in ("seed", "initial", "final", "reached_at", "seconds")}))


if __name__ == "__main__":
    main()
