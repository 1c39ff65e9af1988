"""Code execution rewards: run a completion's program against tests in a sandbox."""
