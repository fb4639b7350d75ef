"""Live, read-only calls to Alibaba Cloud: credentials, the one SDK module, probe and audit.

Layout, from the edge inwards:
  credentials.py  where the AccessKey comes from (env, aliyun CLI profile, credentials file)
  sdk.py          the only module that imports aliyun-python-sdk-core (transport, retries)
  api.py          what a call is, independent of the transport: endpoints, errors, redaction
  probe.py        one read-only ICE call -> a verdict (allowed, denied, ...)
  audit.py        RAM reads -> the policies each principal carries (linted by policycheck.account)
  live.py         check --probe: each probed principal's credentials and one probe each

What they find is data of the core (policycheck.verdict, policycheck.account), so the reporters
never import this package.

probe.py and audit.py take any object with the `Caller` shape (api.py), so they are tested
against the emulator through the real SDK and never import it themselves.
"""
