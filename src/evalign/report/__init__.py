"""Reports over runs: loading comparisons from the store and rendering them.

Modules: `load` (runs' verdicts joined with labels), `svg` (generic inline charts),
`render` (table, JSON, CSV, HTML), `build` (the report functions the CLI calls).
"""
