"""The composition root: the CLI, the config and the wiring of the daemon tree."""
