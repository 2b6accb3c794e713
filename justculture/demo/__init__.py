"""Demo data: an organisation with teams, a user in each role and cases in different states.

It sits above every other app (it drives their services the way a person would), so no app
imports it; `justculture demo` loads it, and only while DEBUG is on.
"""
