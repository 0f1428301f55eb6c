# Shared by the bench scripts (source it): a fair PyTorch baseline (issue 14).
# Debian's python3-torch takes its BLAS from the libblas.so.3 alternative, which is the reference
# BLAS unless an optimised one is installed: install OpenBLAS (pthread build) with it, and refuse
# to report ratios when PyTorch still runs on the reference BLAS.
PY=/usr/bin/python3
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

ensure_torch() {
  if ! "$PY" -c "import torch, numpy" 2>/dev/null || ! dpkg -s libopenblas0-pthread >/dev/null 2>&1; then
    echo "installing python3-torch and libopenblas0-pthread (Debian packages, needs root) ..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      python3-torch python3-numpy libopenblas0-pthread >/dev/null
  fi
}

# Prints PyTorch's BLAS, the active libblas.so.3 alternative and the thread counts; exits the
# calling script if PyTorch runs on the reference BLAS.
torch_blas_report() {
  local dir; dir=$(dirname "${BASH_SOURCE[0]}")
  echo "libblas.so.3 alternative: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo none)" \
    "($(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p' | head -1))"
  local out rc=0
  out=$("$PY" "$dir/torch_blas.py" 2>/dev/null) || rc=$?
  echo "$out" | sed 's/^/  /'
  if [ "$rc" -ne 0 ]; then
    echo "REFUSED: PyTorch runs on the reference BLAS; no ratio is reported against it." >&2
    exit 3
  fi
}

# Class path of the compiled project and its dependencies (test classes included).
bench_classpath() {
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
  echo "target/classes:target/test-classes:$(cat target/bench.classpath)"
}

load_line() {
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc --all) cores (shared with other jobs: ratios are measured within one run)"
}
