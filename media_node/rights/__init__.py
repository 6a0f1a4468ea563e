"""Data subjects' rights and retention: requests (Art. 12(3)), access export (Art. 15),
erasure and per-participant redaction (Art. 17), the retention sweeper and legal holds.

Every module works on the same :class:`~media_node.vault.store.ObjectStore` the node records into
(S3 or the local directory) and writes each action to the node's access log.
"""
