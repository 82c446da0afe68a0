#!/usr/bin/python3
"""Runs kerasxx's benchmarks beside the peers (PyTorch, libtorch) and reports medians, spreads and
ratios. Called by bench/run.sh, which installs and builds first; Debian's python3, stdlib only.

A *program* is one process per run that prints one JSON line (kerasxx's bench/ programs, the peers'
scripts). A *workload* row reads one value per run from a program's JSON line, or from the
process's resource usage (peak RSS). The runs alternate: for each repetition, each program, each
implementation in turn, so that drift in the machine's speed hits all of them alike.

ratio_vs_best_peer: the row's median against the best peer's median (the best of pytorch and
libtorch on that row), oriented so that > 1 means better than the best peer: value / best for
throughputs, best / value where lower is better (latency, memory). Peers get it too (the best peer
has 1.0, the other one < 1); rows without peers (dataset_overhead) have null.
"""
import argparse
import dataclasses
import datetime
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Optional

PYTHON = "/usr/bin/python3"
BUSY_FOREIGN_CPU = 0.25  # cores used by other processes during a run above which a run counts as disturbed


class MeasurementError(Exception):
    """A run that gave no value: its message says why (exit status, timeout, missing JSON key)."""


# ---- programs and implementations ------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Impl:
    """One implementation of a program: its command line and thread settings (../shared/peers/README.md)."""
    name: str
    omp_threads: int   # OMP_NUM_THREADS and the peers' torch.set_num_threads
    blas_threads: int  # OPENBLAS_NUM_THREADS
    argv: tuple        # with {build}, {peers} and {peer_build} filled in at run time

    @property
    def threads(self):  # busy at once: the OpenMP (or kerasxx's own) pool and OpenBLAS's take turns, op by op
        return max(self.omp_threads, self.blas_threads)

    @property
    def thread_label(self):
        return f"{self.threads} (omp {self.omp_threads}, blas {self.blas_threads})"


# kerasxx's own pool is sized from OpenBLAS's thread count, with OpenBLAS single-threaded meanwhile.
def kerasxx(program, *args):
    return Impl("kerasxx", 1, 2, ("{build}/bench/" + program,) + args)


# t1ob2 (1 intra-op thread + OpenBLAS 2) is the peers' best 2-core setting for the GEMM-bound MLP;
# t2ob1 (2 OpenMP threads for oneDNN, OpenBLAS 1) for the CNN.
PROGRAMS = {
    "mlp_train": [
        kerasxx("mlp_train"),
        Impl("pytorch", 1, 2, (PYTHON, "{peers}/torch_mlp.py", "--threads", "1", "--epochs", "1", "--no-infer")),
        Impl("libtorch", 1, 2, ("{peer_build}/libtorch_mlp", "1", "1")),  # then times inference (no switch)
    ],
    "cnn_train": [
        kerasxx("cnn_train"),
        Impl("pytorch", 2, 1, (PYTHON, "{peers}/torch_cnn.py", "--threads", "2", "--batches", "100",
                               "--model", "example")),
    ],
    "mlp_predict": [
        kerasxx("mlp_predict"),
        Impl("pytorch", 1, 2, (PYTHON, "{peers}/torch_mlp.py", "--threads", "1", "--epochs", "0")),
        Impl("libtorch", 1, 2, ("{peer_build}/libtorch_mlp", "1", "0")),  # 0 epochs: inference only
    ],
    "gemm_raw": [Impl("openblas", 1, 2, ("{build}/bench/gemm_efficiency",))],
    "dataset_fit": [kerasxx("dataset_fit")],
}
PEERS = ("pytorch", "libtorch")


# ---- one run ----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    output: Optional[dict]  # the program's JSON line
    error: Optional[str]
    wall_s: float
    peak_rss_mib: float     # the child's ru_maxrss, the same for every implementation (never below the
                            # driver's own ~15 MiB, which the kernel counts for the child until its exec)
    foreign_cpu: float      # CPU-seconds per second used by other processes during the run

    def field(self, key):
        node = self.output
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise MeasurementError(f"its JSON line has no {key}")
            node = node[part]
        if not isinstance(node, (int, float)) or isinstance(node, bool):
            raise MeasurementError(f"its JSON line has {key} = {json.dumps(node)}, not a number")
        return float(node)


def busy_cpu_seconds():
    """CPU time all processes spent so far (user, nice, system, irq, softirq, steal), as run_all.sh counts."""
    with open("/proc/stat") as stat:
        fields = stat.readline().split()
    return sum(int(fields[i]) for i in (1, 2, 3, 6, 7, 8)) / os.sysconf("SC_CLK_TCK")


def last_json_line(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def run_program(argv, env, timeout_s):
    """Runs argv to completion (killed after timeout_s) and measures it from its rusage (os.wait4)."""
    busy_before, start = busy_cpu_seconds(), time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, start_new_session=True)
        except OSError as e:
            return Run(None, f"cannot start {argv[0]}: {e.strerror}", 0.0, 0.0, 0.0)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        foreign = (busy_cpu_seconds() - busy_before - usage.ru_utime - usage.ru_stime) / wall
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    output = last_json_line(stdout)
    error = None
    if timed_out.is_set():
        error = f"timed out after {timeout_s:g} s"
    elif proc.returncode != 0:
        error = f"exit status {proc.returncode}: {stderr.strip().splitlines()[-1] if stderr.strip() else 'no message'}"
    elif output is None:
        error = "printed no JSON line on stdout"
    return Run(output if error is None else None, error, wall, usage.ru_maxrss / 1024.0, min(max(foreign, 0.0), os.cpu_count()))


# ---- workloads --------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Target:
    """A target of issue 5, checked on kerasxx's row: on its ratio against the best peer, or on its value."""
    text: str
    threshold: float
    on_ratio: bool = True
    at_least: bool = True

    def holds(self, value, ratio):
        x = ratio if self.on_ratio else value
        if x is None:
            return None
        return x >= self.threshold if self.at_least else x <= self.threshold


def json_value(key):
    return lambda run, rep: run.field(key)


def peak_rss(run, rep):
    return run.peak_rss_mib


def gemm_efficiency(run, rep):
    """Achieved GFLOP/s of the MLP step (samples/s x model flops per sample) over raw cblas_sgemm's."""
    raw = rep.get("gemm_raw", {}).get("openblas")
    if raw is None or raw.error:
        raise MeasurementError(f"the raw sgemm run failed ({raw.error if raw else 'not run'})")
    achieved = run.field("w1.epoch1_samples_per_s") * raw.field("w5.flops_per_sample") / 1e9
    return achieved / raw.field("w5.step_gflops_best")


@dataclasses.dataclass(frozen=True)
class Workload:
    name: str       # the JSON's "workload"; several rows may share one (metric tells them apart)
    metric: str
    program: str
    value: Callable  # (run, {program: {impl: run}} of the same repetition) -> float
    unit: str
    lower_is_better: bool
    target: Optional[Target]
    needs: tuple = ()  # other programs the value reads


WORKLOADS = [
    Workload("mlp_train", "epoch 1", "mlp_train", json_value("w1.epoch1_samples_per_s"), "samples/s", False,
             Target("≥ 1.2× best peer", 1.2)),
    Workload("cnn_train", "100 batches", "cnn_train", json_value("w2.samples_per_s"), "samples/s", False,
             Target("≥ 1.2× best peer", 1.2)),
    Workload("mlp_predict_b1", "median", "mlp_predict", json_value("w3.b1_median_us"), "µs", True,
             Target("≤ 0.5× best peer", 2.0)),  # latency ratio ≥ 2
    Workload("mlp_predict_b1", "p99", "mlp_predict", json_value("w3.b1_p99_us"), "µs", True, None),
    Workload("mlp_predict_b1024", "best of 5 passes", "mlp_predict", json_value("w3.b1024_samples_per_s"),
             "samples/s", False, Target("≥ 1.0× best peer", 1.0)),
    Workload("peak_rss", "mlp_train", "mlp_train", peak_rss, "MiB", True, Target("≤ 0.7× leaner peer", 1 / 0.7)),
    Workload("peak_rss", "cnn_train", "cnn_train", peak_rss, "MiB", True, Target("≤ 0.7× leaner peer", 1 / 0.7)),
    Workload("gemm_efficiency", "mlp_train step", "mlp_train", gemm_efficiency, "of raw sgemm", False,
             Target("≥ 0.8", 0.8, on_ratio=False), needs=("gemm_raw",)),
    Workload("dataset_overhead", "map+shuffle+batch+prefetch", "dataset_fit", json_value("w6.overhead_pct"), "%",
             True, Target("≤ 5 %", 5.0, on_ratio=False, at_least=False)),
]


def programs_for(workloads):
    programs = []
    for w in workloads:
        for p in (w.program,) + w.needs:
            if p not in programs:
                programs.append(p)
    return programs


# ---- running the schedule ---------------------------------------------------------------------------

def command(impl, paths):
    return [arg.format(**paths) for arg in impl.argv]


def run_schedule(programs, reps, paths, timeout_s):
    """results[rep][program][impl] = Run, alternating implementations within each repetition."""
    results = []
    for rep in range(reps):
        by_program = {}
        for program in programs:
            by_program[program] = {}
            for impl in PROGRAMS[program]:
                env = dict(os.environ, OMP_NUM_THREADS=str(impl.omp_threads),
                           OPENBLAS_NUM_THREADS=str(impl.blas_threads))
                run = run_program(command(impl, paths), env, timeout_s)
                by_program[program][impl.name] = run
                status = "ok" if run.error is None else f"FAILED: {run.error}"
                print(f"[{rep + 1}/{reps}] {program} {impl.name}: {status} ({run.wall_s:.1f} s, "
                      f"foreign_cpu {run.foreign_cpu:.2f})", file=sys.stderr, flush=True)
        results.append(by_program)
    return results


# ---- aggregation ------------------------------------------------------------------------------------

@dataclasses.dataclass
class Row:
    workload: Workload
    impl: Impl
    reps: list          # one value per repetition, None where the run failed
    errors: list        # why a repetition has no value
    value_errors: list  # those of errors whose run itself succeeded (the run's own failure is listed once)
    foreign_cpu: list
    ratio: Optional[float] = None

    @property
    def ok(self):
        return [v for v in self.reps if v is not None]

    @property
    def median(self):
        return statistics.median(self.ok) if self.ok else None

    @property
    def spread(self):
        return [min(self.ok), max(self.ok)] if self.ok else None

    @property
    def target_holds(self):
        if self.impl.name != "kerasxx" or self.workload.target is None:
            return None
        return self.workload.target.holds(self.median, self.ratio)


def measure(workload, results):
    rows = []
    for impl in PROGRAMS[workload.program]:
        values, errors, value_errors, foreign = [], [], [], []
        for i, rep in enumerate(results):
            run = rep[workload.program][impl.name]
            foreign.append(round(run.foreign_cpu, 2))
            try:
                if run.error:
                    raise MeasurementError(run.error)
                values.append(workload.value(run, rep))
            except MeasurementError as e:
                values.append(None)
                errors.append(f"rep {i + 1}: {e}")
                if not run.error:
                    value_errors.append(errors[-1])
        rows.append(Row(workload, impl, values, errors, value_errors, foreign))
    set_ratios(rows, workload.lower_is_better)
    return rows


def set_ratios(rows, lower_is_better):
    peer_medians = [r.median for r in rows if r.impl.name in PEERS and r.median is not None]
    if not peer_medians:
        return
    best = min(peer_medians) if lower_is_better else max(peer_medians)
    for r in rows:
        if r.median:
            r.ratio = best / r.median if lower_is_better else r.median / best


# ---- reporting --------------------------------------------------------------------------------------

def number(x):
    if x is None:
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def rounded(x):
    """Rounded for the JSON lines: the runs' noise is far above the digits dropped."""
    if x is None:
        return None
    return round(x, 1) if abs(x) >= 100 else round(x, 3)


def json_line(row):
    w = row.workload
    line = {"workload": w.name, "metric": w.metric, "impl": row.impl.name, "threads": row.impl.threads,
            "omp_threads": row.impl.omp_threads, "blas_threads": row.impl.blas_threads,
            "value": rounded(row.median), "unit": w.unit, "better": "lower" if w.lower_is_better else "higher",
            "ratio_vs_best_peer": rounded(row.ratio), "reps": [rounded(v) for v in row.reps],
            "spread": [rounded(v) for v in row.spread] if row.spread else None, "foreign_cpu": row.foreign_cpu,
            "target": w.target.text if w.target and row.impl.name == "kerasxx" else None,
            "target_met": row.target_holds}
    if row.errors:
        line["errors"] = row.errors
    return json.dumps(line, ensure_ascii=False)


def table(rows):
    lines = ["| workload | impl | threads | median | spread (min–max) | unit | ratio vs best peer | target | holds |",
             "|---|---|---|---:|---|---|---:|---|---|"]
    for r in rows:
        w = r.workload
        spread = f"{number(r.spread[0])}–{number(r.spread[1])}" if r.spread else "-"
        median = number(r.median) if r.ok else "FAILED"
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else "-"
        target = w.target.text if w.target and r.impl.name == "kerasxx" else ""
        holds = {True: "yes", False: "**no**", None: ""}[r.target_holds]
        lines.append(f"| {w.name} ({w.metric}) | {r.impl.name} | {r.impl.thread_label} | {median} | {spread} "
                     f"| {w.unit} | {ratio} | {target} | {holds} |")
    return lines


def gemm_note(results):
    """The raw sgemm figure that gemm_efficiency divides by, as a line under the table."""
    runs = [rep["gemm_raw"]["openblas"] for rep in results if "gemm_raw" in rep]
    try:
        gflops = statistics.median(r.field("w5.step_gflops_best") for r in runs if r.error is None)
        first = next(r for r in runs if r.error is None)
        per_sample, executed = first.field("w5.flops_per_sample"), first.field("w5.executed_flops_per_sample")
    except (MeasurementError, statistics.StatisticsError, StopIteration):
        return []
    return [f"- gemm_efficiency: raw cblas_sgemm (OpenBLAS, 2 threads) on the GEMMs of one MLP training step at "
            f"batch 128 (bench/gemm_efficiency.cpp) runs at {gflops:.1f} GFLOP/s; the step costs "
            f"{per_sample:,.0f} model flops per sample (6 x weights), so a step of nothing but GEMMs would train "
            f"{gflops * 1e9 / per_sample:,.0f} samples/s. kerasxx skips the first layer's input gradient and runs "
            f"{executed:,.0f} of them: on that count its efficiency is {executed / per_sample:.3f} x the figure above."]


def failures(rows, results):
    runs = [f"- failed run: rep {i + 1}, {program} {impl}: {run.error}" for i, rep in enumerate(results)
            for program, by_impl in rep.items() for impl, run in by_impl.items() if run.error]
    values = [f"- no value: {r.workload.name} ({r.workload.metric}) {r.impl.name}, {e}"
              for r in rows for e in r.value_errors]
    return runs + values


def busy_warning(results):
    runs = [run for rep in results for by_impl in rep.values() for run in by_impl.values()]
    busy = [run.foreign_cpu for run in runs if run.foreign_cpu > BUSY_FOREIGN_CPU]
    if not busy:
        return None
    return (f"warning: the machine was busy: other processes used up to {max(busy):.2f} cores during {len(busy)} of "
            f"{len(runs)} runs (foreign_cpu > {BUSY_FOREIGN_CPU}); absolute numbers are low and noisy, compare the "
            f"ratios (measured side by side) and re-run on a quiet machine for the record.")


def git_revision():
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev.stdout.strip() + (" with local changes" if dirty.stdout.strip() else "")


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores"


def report(rows, results, args):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["bench/run.sh", "--reps", str(args.reps)] + args.workloads)
    header = [f"Benchmarks, {now}, {machine()}, kerasxx {git_revision()}, `{command}`: medians over "
              f"{args.reps} repetition(s); ratio > 1: better than the best peer.", ""]
    md = header + table(rows)
    notes = gemm_note(results) + failures(rows, results)
    if notes:
        md += [""] + notes
    warning = busy_warning(results)
    jsonl = [json_line(r) for r in rows]
    os.makedirs(args.results_dir, exist_ok=True)
    with open(os.path.join(args.results_dir, "latest.md"), "w") as f:
        f.write("\n".join(md + (["", warning] if warning else [])) + "\n")
    with open(os.path.join(args.results_dir, "latest.jsonl"), "w") as f:
        f.write("\n".join(jsonl) + "\n")
    print("\n".join(md + [""] + jsonl))
    if warning:
        print(warning, file=sys.stderr)  # last, where it is seen


def parse_args():
    names = list(dict.fromkeys(w.name for w in WORKLOADS))
    ap = argparse.ArgumentParser(prog="bench/run.sh", usage="%(prog)s [--reps N] [--timeout S] [workload ...]",
                                 description="kerasxx against the peers, side by side.")
    ap.add_argument("workloads", nargs="*", metavar="workload", help="any of: " + ", ".join(names) + " (default: all)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a run is killed (default 300)")
    ap.add_argument("--build-dir", default="build-bench")
    ap.add_argument("--peers", required=True, help="the peers' scripts (../shared/peers)")
    ap.add_argument("--peer-build-dir", required=True, help="where build_libtorch.sh put libtorch_mlp")
    ap.add_argument("--results-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    ap.add_argument("--check-args", action="store_true", help="only check the arguments")
    args = ap.parse_args()
    unknown = [w for w in args.workloads if w not in names]
    if unknown:
        ap.error(f"unknown workload {', '.join(unknown)}: expected any of {', '.join(names)}")
    if args.reps < 1:
        ap.error(f"--reps must be at least 1, got {args.reps}")
    return args


def main():
    args = parse_args()
    if args.check_args:
        return 0
    workloads = [w for w in WORKLOADS if not args.workloads or w.name in args.workloads]
    paths = {"build": os.path.abspath(args.build_dir), "peers": os.path.abspath(args.peers),
             "peer_build": os.path.abspath(args.peer_build_dir)}
    results = run_schedule(programs_for(workloads), args.reps, paths, args.timeout)
    rows = [row for w in workloads for row in measure(w, results)]
    report(rows, results, args)
    return 1 if any(row.errors for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
