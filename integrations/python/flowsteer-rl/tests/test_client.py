import unittest

from _support import FULL_SCRIPT, MATH_TASK, Server

from flowsteer_rl import PROTOCOL_VERSION, EnvClient, EnvError

server = Server(env={"FLOWSTEER_ENV_TOKEN": "py-token"})


def setUpModule():
    server.start()


def tearDownModule():
    assert server.stop() == 0, "serve-env must exit 0 on SIGTERM"


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.client = EnvClient(server.url, token="py-token")

    def test_health_and_schema(self):
        self.assertEqual(self.client.health()["protocol"], PROTOCOL_VERSION)
        schema = self.client.schema()
        self.assertIn("StepResponse", schema["$defs"])

    def test_token_is_required(self):
        with self.assertRaises(EnvError) as caught:
            EnvClient(server.url).reset(MATH_TASK)
        self.assertEqual((caught.exception.status, caught.exception.reason), (401, "UNAUTHORIZED"))

    def test_episode_returns_the_cwrpo_breakdown(self):
        opened = self.client.reset(MATH_TASK, seed=5)
        self.assertEqual(opened["seed"], 5)
        result = None
        for action in FULL_SCRIPT:
            result = self.client.step(opened["session"], action)
            if result.done:
                break
        self.assertTrue(result.done)
        b = result.breakdown
        self.assertEqual((b["structure"], b["released"], b["finished"], b["forcedFinish"], b["metric"]), (1, True, True, False, "math"))
        self.assertAlmostEqual(result.reward, -1 + 1 + b["correctness"])
        with self.assertRaises(EnvError) as caught:
            self.client.step(opened["session"], "<action>finish</action>")
        self.assertEqual(caught.exception.reason, "EPISODE_OVER")

    def test_bad_requests_are_typed(self):
        with self.assertRaises(EnvError) as caught:
            self.client.reset({"problem": "no answer", "type": "math"})
        self.assertEqual((caught.exception.status, caught.exception.reason), (400, "BAD_REQUEST"))
        with self.assertRaises(EnvError) as caught:
            self.client.step("nope", "x")
        self.assertEqual(caught.exception.status, 404)

    def test_batches_carry_per_item_errors(self):
        opened = self.client.batch_reset([{"task": MATH_TASK, "seed": i} for i in range(16)] + [{"task": {}}])
        self.assertIsInstance(opened[-1], EnvError)
        sessions = [o["session"] for o in opened[:-1]]
        for action in FULL_SCRIPT:
            results = self.client.batch_step([(s, action) for s in sessions])
            self.assertTrue(all(not isinstance(r, EnvError) for r in results))
        self.assertTrue(all(r.done for r in results))
        self.assertEqual(self.client.health()["sessions"], 0)


if __name__ == "__main__":
    unittest.main()
