"""policycheck: check Alibaba Cloud RAM policy documents before deploy and against the live cloud.

Kept import-light on purpose: `policycheck lint` must start fast, so nothing heavy is
imported here.
"""

__version__ = "0.1.0"
