"""Fairness and consistency measures. ``stats``, ``csvfiles`` and ``periods`` are pure Python (no Django)."""
