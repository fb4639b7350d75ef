"""policycheck: check Alibaba Cloud RAM policy documents before deploy and against the live cloud.

Kept import-light on purpose: `policycheck lint` must start fast, so nothing heavy is
imported here.
"""

__version__ = "0.1.0"

HOME_URL = "https://github.com/policycheck/policycheck"
DOCS_URL = f"{HOME_URL}/blob/main"
"""Where messages point for help: a URL, since an installed copy has no README.md or docs/."""
