"""One BLAS thread for the small model fits (scikit-learn's), whatever the machine.

OpenBLAS runs a dot product of a few thousand terms on every core, then keeps its threads
spinning for more work: the themes' text models (one logistic regression per theme over a
tf-idf matrix) and the cohorts' Huber fits are too small to gain from that, and on a busy
machine the spinning threads take a core from the other work (on the test suite, a sixth of the
themes' CPU went to OpenBLAS's idle loop). One thread also makes a fit the same on any machine.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

_controller: ThreadpoolController | None = None


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which the BLAS libraries run on one thread.

    Call it after importing scikit-learn: the controller is made at the first call and knows
    the libraries loaded by then (numpy's and scipy's OpenBLAS); made once, a limit costs
    ~0.02 ms instead of the ~2 ms of ``threadpool_limits``' scan of the loaded libraries.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")
