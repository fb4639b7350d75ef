"""The JSON Schemas policycheck validates with, importable so the wheel can ship them."""
