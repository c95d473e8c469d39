"""Workflows that span runs, datasets and alignment runs, for every shell alike.

Modules: `benchmarks` (rerun with a parent run, the New benchmark sources, copying a run's
items into a dataset to label), `jobs` (claiming and doing one unit of background work: the
one rule for the server's worker and `evalign worker`), `worker` (the polling threads),
`judge_catalog` (creating, editing, forking, exporting and importing stored judges) and
`judge_exports` (a stored judge written out for a peer tool).
Nothing here touches tables: the store's repositories do.
"""
