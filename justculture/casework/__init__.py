"""Work that spans several apps, in one place.

The domain apps (cases, factors, assessments, actions, decisions, ...) each own their models,
their writes (services) and their reads (selectors), and import only the apps below them. When
one piece of work touches several of them (completing an assessment creates its system-learning
action; recording a decision moves the case on; closing a case checks what is still open in
every app; the case page reads figures from all of them), it lives here: keyword-only functions,
one transaction, each step audited by the service it calls. Views, the API and the commands call
these functions; the apps never import this package (the import-linter contracts in
pyproject.toml enforce that).
"""
