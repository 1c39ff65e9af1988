"""Format rewards: does the completion have the required shape."""
