"""The recording vault: the envelope format (envelope, digest), key providers (keys, context),
streaming encryption into object stores (stream, store, spool), manifests, verification and the
``media-node vault`` commands (cli). It imports nothing of the call service
(``tests/media_node/test_layout.py``)."""
