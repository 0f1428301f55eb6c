"""Which BLAS this PyTorch really runs on, and with how many threads (issue 14: fair baselines).

Debian's python3-torch takes its BLAS from the libblas.so.3 alternative; without an optimised BLAS
installed that is the reference implementation, and every ratio against it is meaningless. The
check looks at the libraries actually mapped into this process after a matrix product, not at
build flags, and pins PyTorch (intra-op) and OpenBLAS to one thread each.

Run as a script it prints the report and exits with status 3 on a reference BLAS; the benchmark
scripts import `require_optimised_blas()` and print `describe()`.
"""
import ctypes
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402  (the environment must be set before the BLAS is loaded)


def mapped_blas_libraries():
    torch.randn(64, 64) @ torch.randn(64, 64)  # forces the BLAS to be loaded
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if ".so" in line}
    return sorted(p for p in libs if "blas" in os.path.basename(p).lower() or "mkl" in p.lower())


def blas_kind(libs):
    joined = " ".join(os.path.realpath(p) for p in libs)
    if "openblas" in joined:
        return "openblas"
    if "mkl" in joined:
        return "mkl"
    if "blis" in joined:
        return "blis"
    return "reference"


def openblas_threads(libs):
    for p in libs:
        if "openblas" in os.path.basename(p):
            try:
                return ctypes.CDLL(p).openblas_get_num_threads()
            except (OSError, AttributeError):
                return None
    return None


def describe():
    torch.set_num_threads(1)
    libs = mapped_blas_libraries()
    return {
        "torch_version": torch.__version__,
        "torch_blas": blas_kind(libs),
        "torch_blas_libs": ",".join(os.path.realpath(p) for p in libs) or "none",
        "torch_threads": torch.get_num_threads(),
        "openblas_threads": openblas_threads(libs),
        "torch_build_blas": next(
            (f.split("=")[1] for f in torch.__config__.show().replace(",", " ").split()
             if f.startswith("BLAS_INFO=")), "?"),
    }


def require_optimised_blas():
    """Exits with status 3 when PyTorch runs on the reference BLAS: no ratio may be reported."""
    info = describe()
    if info["torch_blas"] == "reference":
        sys.stderr.write(
            "PyTorch runs on the reference BLAS (%s): ratios against it are not fair. "
            "Install libopenblas0-pthread (apt-get install -y libopenblas0-pthread) and check "
            "update-alternatives --query libblas.so.3-x86_64-linux-gnu.\n" % info["torch_blas_libs"])
        sys.exit(3)
    if info["openblas_threads"] not in (None, 1) or info["torch_threads"] != 1:
        sys.stderr.write("PyTorch is not on one thread: %s\n" % info)
        sys.exit(3)
    return info


if __name__ == "__main__":
    info = describe()
    for key, value in info.items():
        print(f"{key}={value}")
    print(torch.__config__.show(), file=sys.stderr)
    sys.exit(3 if info["torch_blas"] == "reference" else 0)
