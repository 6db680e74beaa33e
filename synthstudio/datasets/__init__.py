"""Dataset files in and out: seed files, import into the pool, check, clean, dedup, report
and export. Every input file is read through :mod:`synthstudio.datasets.reader` and every
output written through :func:`synthstudio.boundary.files.atomic_writer`."""
