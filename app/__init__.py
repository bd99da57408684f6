"""storygraph HTTP layer: routers, schemas, dependencies, error handlers, CLI."""

import os

# The server's request threads already run side by side; OpenBLAS starting threads of its own for each call on
# top of them made a 200x200 eigendecomposition 20x slower on two busy cores. One BLAS thread per call, unless
# the operator sets otherwise (this runs before anything imports NumPy).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
