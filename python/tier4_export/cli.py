"""Command line: ``python -m tier4_export build|info``.

``build`` exports a built-in model or a user's ``file.py:factory`` and prints
the manifest (metadata.json plus ``export_dir`` and absolute ``paths``) as JSON
on stdout, and nothing else there: while exporting, file descriptor 1 is
pointed at stderr so that torch's warnings (Python or C++) cannot reach
stdout. ``info`` prints the interpreter's versions as JSON.

Exit codes: 0 success (even when some formats failed), 1 error (one-line
message on stderr; a user factory's traceback follows it), 2 bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from . import __version__
from .limits import MINIMUMS

PROG = "tier4_export"

EXAMPLES = """examples:
  PYTHONPATH=python python3 -m tier4_export build --model lm_stub --out /tmp/lm
  PYTHONPATH=python python3 -m tier4_export build --model simple_cnn --out out/cnn \\
      --formats onnx,torchscript,pytorch --quantization dynamic --samples 4 --seed 1
  PYTHONPATH=python python3 -m tier4_export build --model models/my_model.py:make_model --out out/mine
  PYTHONPATH=python python3 -m tier4_export info
"""

BUILD_EXIT_CODES = """
exit codes: 0 success (also when some formats failed: see formats_failed in the manifest),
  1 error (one line on stderr, then a user factory's traceback), 2 bad usage
"""
BUILTIN_CHOICES = ("lm_stub", "simple_cnn")


def _module_version(name: str) -> Optional[str]:
    """Version of an importable module, or None when it cannot be imported."""
    try:
        module = __import__(name)
    except Exception:  # noqa: BLE001 - a broken install counts as missing
        return None
    return str(getattr(module, "__version__", "unknown"))


def info() -> Dict[str, Any]:
    """Versions of this interpreter and its packages (null when missing)."""
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "torch": _module_version("torch"),
        "onnx": _module_version("onnx"),
        "numpy": _module_version("numpy"),
        "tier4_export": __version__,
    }


def _formats_arg(value: str) -> List[str]:
    """argparse type for ``--formats onnx,torchscript,pytorch``."""
    names = [v.strip() for v in value.split(",") if v.strip()]
    allowed = ("onnx", "torchscript", "pytorch")
    bad = [n for n in names if n not in allowed]
    if not names or bad:
        raise argparse.ArgumentTypeError(
            f"expected a comma-separated list of {', '.join(allowed)}, received {value!r}"
        )
    return names


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """argparse type for an int >= ``minimum``, with a message naming the bound and the value."""

    def parse(value: str) -> int:
        error = argparse.ArgumentTypeError(f"expected an integer >= {minimum}, received {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise error from None
        if number < minimum:
            raise error
        return number

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with the ``build`` and ``info`` sub-commands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Export PyTorch models for vitest-tier4 (see docs/python-exporter.md).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{build,info}")
    sub.required = True
    build = sub.add_parser(
        "build",
        help="export a model and print the manifest JSON",
        description=(
            "Export a built-in model or a user's file.py:factory into --out and print the manifest "
            "(metadata.json plus export_dir and paths) as JSON on stdout; logs go to stderr."
        ),
        epilog=EXAMPLES + BUILD_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--model",
        required=True,
        help="built-in name (lm_stub, simple_cnn) or path/to/file.py:factory (a zero-argument "
        "factory returning (model, task_spec); a relative path is resolved against the cwd)",
    )
    build.add_argument(
        "--out", required=True, help="export directory (created with its parents; relative to the cwd)"
    )
    build.add_argument(
        "--formats",
        type=_formats_arg,
        default=["torchscript", "onnx"],
        help="comma-separated: onnx,torchscript,pytorch (default: torchscript,onnx)",
    )
    build.add_argument(
        "--quantization",
        choices=["dynamic", "static"],
        default=None,
        help="dynamic: nn.Linear to qint8 on a copy for TorchScript, MatMul/Gemm weights to int8 "
        "in an ONNX rewritten from the fp32 model.onnx; static: FX graph mode, calibrated on generated inputs, "
        "refused with the tracer's reason when torch.fx cannot trace the model (default: none)",
    )
    build.add_argument("--samples", type=_int_at_least(MINIMUMS["samples"]), default=10, help="reference samples, at least 1 (default 10)")
    build.add_argument(
        "--layers",
        type=_int_at_least(MINIMUMS["layers"]),
        nargs="?",
        const=1,
        default=0,
        help="also store the eager model's per-layer activations of the first N samples (default N 1) "
        "in layers/, for 'tier4 layers' (docs/layers.md)",
    )
    build.add_argument("--seed", type=_int_at_least(MINIMUMS["seed"]), default=0, help="model and sample seed (default 0)")
    # torch.onnx.export supports opset 7 and newer
    build.add_argument("--opset", type=_int_at_least(MINIMUMS["opset"]), default=14, help="ONNX opset (default 14)")
    build.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default="INFO",
        help="stderr log level (default INFO)",
    )
    sub.add_parser("info", help="print interpreter and package versions as JSON")
    return parser


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (Python and C level, fd 1) to stderr meanwhile."""
    sys.stdout.flush()
    saved_fd = os.dup(1)
    saved_stdout = sys.stdout
    try:
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        yield
    finally:
        sys.stderr.flush()
        sys.stdout = saved_stdout
        os.dup2(saved_fd, 1)
        os.close(saved_fd)


def _one_line(text: str) -> str:
    """Collapse a message onto one line."""
    return " | ".join(line.strip() for line in str(text).splitlines() if line.strip())


def _fail(message: str, details: Optional[str] = None) -> int:
    """Print ``tier4_export: error: message`` (and details) to stderr; return 1."""
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    if details:
        print(details.rstrip("\n"), file=sys.stderr)
    return 1


def _run_build(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Export per ``args`` and print the manifest; return the exit code."""
    missing = [name for name in ("torch", "numpy") if _module_version(name) is None]
    if missing:
        return _fail(
            f"{sys.executable} cannot import {', '.join(missing)}: use an interpreter that has "
            "torch, onnx and numpy (Debian: apt-get install -y python3-torch python3-onnx python3-numpy)"
        )
    from .errors import ExportError, FactoryError, TaskSpecError
    from .export import export_model
    from .factory import file_source, is_factory_ref, load_factory
    from .metadata import read_metadata
    from .models import builtin_source, get_builtin

    if args.model not in BUILTIN_CHOICES and not is_factory_ref(args.model):
        parser.error(
            f"argument --model: expected {' or '.join(BUILTIN_CHOICES)} or path/to/file.py:factory, "
            f"received {args.model!r}"
        )
    try:
        with stdout_to_stderr():
            if args.model in BUILTIN_CHOICES:
                model, spec = get_builtin(args.model, seed=args.seed)
                source = builtin_source(args.model, args.seed)
            else:
                model, spec = load_factory(args.model)
                source = file_source(args.model)
            paths = export_model(
                model,
                spec,
                args.out,
                formats=args.formats,
                quantization=args.quantization,
                opset=args.opset,
                num_samples=args.samples,
                seed=args.seed,
                model_source=source,
                layers=args.layers,
            )
    except FactoryError as exc:
        return _fail(str(exc), exc.details)
    except ExportError as exc:
        return _fail(f"{type(exc).__name__}: {exc}", exc.details)
    except (TaskSpecError, ValueError, TypeError, OSError) as exc:
        return _fail(f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - unexpected: show where, then the one-line message
        traceback.print_exc(file=sys.stderr)
        return _fail(f"unexpected {type(exc).__name__}: {exc}")
    export_dir = paths["metadata"].parent
    manifest: Dict[str, Any] = dict(read_metadata(export_dir))
    manifest["export_dir"] = str(export_dir)
    manifest["paths"] = {name: str(Path(p)) for name, p in paths.items()}
    sys.stdout.write(json.dumps(manifest, indent=2) + "\n")
    sys.stdout.flush()
    return 0


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr handler installed by the CLI (marked so that a second main() call replaces it)."""


def _configure_logging(level: str) -> None:
    """Log the ``tier4_export`` logger to stderr as ``tier4_export: LEVEL: message``."""
    logger = logging.getLogger(PROG)
    for handler in [h for h in logger.handlers if isinstance(h, _CliHandler)]:
        logger.removeHandler(handler)
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, level))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    argparse exits with status 2 itself on bad usage.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "info":
        sys.stdout.write(json.dumps(info()) + "\n")
        return 0
    _configure_logging(args.log_level)
    return _run_build(args, parser)
