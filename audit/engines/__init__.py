"""Policy engines behind one interface: regopy embedded (default) and an OPA server."""
