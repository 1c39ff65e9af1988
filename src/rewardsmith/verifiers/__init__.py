"""Rule-based rewards: answers, code, format, tool calls, text overlap, length."""
