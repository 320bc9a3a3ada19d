"""Use cases: load, check access, call the domain, save, audit, in one transaction each.

Every read or write of a person's health data goes through a function here; there is no
second path. The API, the web pages and the CLI all call these functions.
"""
