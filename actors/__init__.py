"""The trading actors; their messages live in :mod:`actors.messages`."""
