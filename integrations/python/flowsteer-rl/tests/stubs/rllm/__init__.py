"""Test stubs with rLLM's real class names, signatures and return types (rllm-org/rllm)."""
