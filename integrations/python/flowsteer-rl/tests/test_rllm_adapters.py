"""rLLM adapters against stubs with rLLM's exact interface, driven the way MultiTurnWorkflow does."""

import inspect
import unittest

from _support import FULL_SCRIPT, MATH_TASK, Server

from rllm.agents.agent import Action, BaseAgent, Trajectory
from rllm.environments.base.base_env import BaseEnv

from flowsteer_rl.rllm_agent import FlowSteerAgent
from flowsteer_rl.rllm_env import FlowSteerEnv

server = Server()


def setUpModule():
    server.start()


def tearDownModule():
    server.stop()


def run_like_multi_turn_workflow(agent, env, task, policy, max_steps=40):
    """The loop of rllm.workflows.multi_turn_workflow.MultiTurnWorkflow.run, minus the engine."""
    observation, info = env.reset(task)
    agent.update_from_env(observation, 0, False, info)
    for _ in range(max_steps):
        response = policy(agent.chat_completions)
        action = agent.update_from_model(response)
        next_obs, reward, done, info = env.step(action)
        agent.update_from_env(next_obs, reward, done, info)
        if done:
            return info
    raise AssertionError("the episode did not end")


class AdapterTest(unittest.TestCase):
    def test_interfaces_match_rllm(self):
        self.assertTrue(issubclass(FlowSteerEnv, BaseEnv))
        self.assertTrue(issubclass(FlowSteerAgent, BaseAgent))
        self.assertEqual(FlowSteerEnv.__abstractmethods__, frozenset())
        self.assertEqual(FlowSteerAgent.__abstractmethods__, frozenset())
        self.assertTrue(FlowSteerEnv.is_multithread_safe())
        self.assertIsInstance(inspect.getattr_static(FlowSteerEnv, "from_dict"), staticmethod)
        self.assertIsInstance(inspect.getattr_static(FlowSteerAgent, "chat_completions"), property)
        self.assertIsInstance(inspect.getattr_static(FlowSteerAgent, "trajectory"), property)

    def test_from_dict_splits_settings_from_the_task(self):
        env = FlowSteerEnv.from_dict({**MATH_TASK, "base_url": server.url, "seed": 3, "schedule": "milestones"})
        observation, info = env.reset()
        self.assertEqual((info["seed"], info["schedule"]), (3, "milestones"))
        self.assertFalse(observation["awaitingPrompt"])
        env.close()

    def test_an_episode_through_the_adapters(self):
        agent = FlowSteerAgent()
        env = FlowSteerEnv(base_url=server.url, seed=11)
        script = iter(["<think>done? <action>finish</action></think><action>add</action><operator>Plan</operator>", *FULL_SCRIPT[1:]])
        seen = []

        def policy(messages):
            seen.append(messages)
            return next(script)

        info = run_like_multi_turn_workflow(agent, env, MATH_TASK, policy)
        trajectory = agent.trajectory
        self.assertIsInstance(trajectory, Trajectory)
        self.assertEqual(len(trajectory.steps), len(FULL_SCRIPT))
        # Every turn's prompt is that turn's canvas observation, one user message, as the reference builds it.
        self.assertTrue(all(len(m) == 1 and m[0]["role"] == "user" for m in seen))
        self.assertIn("Your prompt for Plan:", seen[1][0]["content"])
        self.assertEqual(trajectory.steps[0].chat_completions[-1]["role"], "assistant")
        rewards = [s.reward for s in trajectory.steps]
        self.assertTrue(all(r == 0 for r in rewards[:-1]))
        self.assertAlmostEqual(rewards[-1], info["breakdown"]["total"])
        self.assertTrue(trajectory.steps[-1].done)
        self.assertEqual(info["breakdown"]["dsl"], "Plan -> Programmer -> Custom -> Verify ? Revise : done -> Format")
        # The think block was cleaned as the app's policy does: the first step added Plan.
        self.assertEqual(trajectory.steps[0].info["action"], "<action>add</action><operator>Plan</operator>")
        self.assertIsInstance(agent.update_from_model("x"), Action)
        agent.reset()
        self.assertEqual(agent.trajectory.steps, [])

    def test_step_rejects_non_text_actions(self):
        env = FlowSteerEnv(base_url=server.url)
        env.reset(MATH_TASK)
        with self.assertRaises(TypeError):
            env.step(Action(action={"tool": 1}))
        env.close()


if __name__ == "__main__":
    unittest.main()
