"""The CPU learning test of the protocol (a protocol test, not a trainer): see grpo_protocol.py."""

import json
import sys
import time
import unittest

from _support import Server

import torch

import grpo_protocol
from flowsteer_rl import EnvClient

server = Server()


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


class GrpoProtocolTest(unittest.TestCase):
    def test_the_policy_input_holds_the_canvas_state_of_a_real_episode(self):
        client = EnvClient(server.url)
        opened = client.reset(grpo_protocol.math_tasks(1, 0)[0], seed=5)
        # Plan, its prompt, Programmer, its prompt, Custom, its prompt, Verify ? Revise, two prompts, Format, its prompt.
        observation = opened["observation"]
        for token in [1, 14, 2, 15, 3, 14, 11, 15, 15, 4, 14]:
            result = client.step(opened["session"], grpo_protocol.POLICY_TOKENS[token])
            self.assertFalse(result.done, result.feedback)
            observation = result.observation
        fields, dsl = grpo_protocol.state_words(observation)
        self.assertEqual(" ".join(dsl), "Plan Programmer Custom Verify ? Revise : done Format")
        self.assertIn("ops=6", fields)
        self.assertIn("round=12", fields)
        self.assertIn("status=Success", fields)
        encoded = grpo_protocol.CanvasTokenizer().encode(observation)
        self.assertEqual(len(encoded), 1 + len(fields) + len(dsl), "the whole state fits the policy input")
        prompt_turn = client.step(opened["session"], grpo_protocol.POLICY_TOKENS[4]).observation
        self.assertEqual(grpo_protocol.state_words(prompt_turn)[0], ["prompt_for=Format"])

    def test_grpo_over_serve_env_learns_to_finish_with_full_structure(self):
        torch.set_num_threads(1)
        started = time.monotonic()
        result = grpo_protocol.learn(server.url, seed=1, updates=60, log=lambda line: print(line, file=sys.stderr, flush=True))
        print(json.dumps({k: result[k] for k in ("seed", "initial", "final", "reached_at")} | {"seconds": round(time.monotonic() - started, 1)}), file=sys.stderr)
        self.assertLess(result["initial"], 0.10, "the untrained policy should rarely finish with full structure")
        self.assertIsNotNone(result["reached_at"], f"no evaluation above 50% within 60 updates: {result['curve']}")
        self.assertGreater(result["final"], 0.5)


if __name__ == "__main__":
    unittest.main()
