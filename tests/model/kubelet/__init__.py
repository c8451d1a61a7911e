"""Scenario tests for the kubelet model: it must behave as Kubernetes' kubelet does."""
