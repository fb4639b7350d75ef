"""Expectations: policycheck.yaml's principals and what they must and must not be able to do."""
