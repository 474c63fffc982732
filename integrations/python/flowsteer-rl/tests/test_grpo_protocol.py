"""The CPU learning test of the protocol (a protocol test, not a trainer): see grpo_protocol.py."""

import json
import sys
import time
import unittest

from _support import Server

import torch

import grpo_protocol

server = Server()


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


class GrpoProtocolTest(unittest.TestCase):
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
