"""The shipped System policy library: one JSON file per policy (format in
schemas/system-policy.schema.json), each as Alibaba Cloud's documentation published it, with
its version, source page and the date it was read. Read by policycheck.catalog.system."""
