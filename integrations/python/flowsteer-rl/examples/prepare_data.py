"""Registers FlowSteer-Dataset JSONL files as an rLLM dataset named ``flowsteer``.

    python examples/prepare_data.py --train data/train.jsonl --test data/test.jsonl

Each row keeps the fields serve-env reads (problem, type, answer, source, tests, entry point).
"""

from __future__ import annotations

import argparse
import json

from rllm.data.dataset import DatasetRegistry


def task_of(row: dict) -> dict:
    meta = row.get("meta") or {}
    task = {
        "id": str(row.get("id", meta.get("task_id", ""))),
        "problem": row.get("problem") or row.get("question"),
        "type": row.get("problem_type", "math"),
        "answer": str(row.get("ground_truth", row.get("answer", ""))),
        "source": row.get("source") or row.get("dataset"),
        "tests": meta.get("test"),
        "entry_point": meta.get("entry_point"),
    }
    return {key: value for key, value in task.items() if value not in (None, "")}


def read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [task_of(json.loads(line)) for line in handle if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    args = parser.parse_args()
    DatasetRegistry.register_dataset("flowsteer", read(args.train), "train")
    DatasetRegistry.register_dataset("flowsteer", read(args.test), "test")


if __name__ == "__main__":
    main()
