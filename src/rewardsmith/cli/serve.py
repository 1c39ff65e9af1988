"""``rewardsmith serve SPEC``: serve a reward over HTTP (``/score``, OpenRLHF's ``/get_reward``)."""

from __future__ import annotations

import ipaddress
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from rewardsmith.core import to_spec

from .app import app, console, fail


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def graceful_stop(signals: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[list[int]]:
    """Make SIGINT and SIGTERM a normal exit once the server has drained.

    uvicorn handles the signal (stop accepting, drain in-flight requests), then restores the
    handlers it found and raises the signal again, so that the default handler kills the process
    and a supervisor sees a crash (exit status -15). Inside this block the handlers it finds only
    record the signal, and the command returns: exit status 0. Yields the signals received.
    """
    received: list[int] = []
    previous: dict[signal.Signals, Callable[..., object] | int | None] = {}
    for sig in signals:
        previous[sig] = signal.signal(sig, lambda number, frame: received.append(number))
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command("serve")
def serve(
    spec: Annotated[
        str, typer.Argument(help="Spec file (YAML/JSON), component name, inline '{type: ...}', or module:function.")
    ],
    host: Annotated[str, typer.Option(help="Address to bind; loopback unless told otherwise.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="TCP port; 0 takes a free one (the start-up line names it).")
    ] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes (each loads the spec).")] = 1,
    api_key_env: Annotated[
        str | None, typer.Option(help="Require 'Authorization: Bearer $VAR' on every route but /health.")
    ] = None,
    cache: Annotated[Path | None, typer.Option(help="SQLite result cache, shared with `score --cache`.")] = None,
    max_batch: Annotated[int, typer.Option(min=1, help="Most samples handed to the reward at once.")] = 64,
    max_wait_ms: Annotated[
        float, typer.Option(min=0, help="Longest a sample waits for its batch to fill.")
    ] = 5.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Batches scored at the same time.")] = 4,
    timeout: Annotated[
        float, typer.Option(min=0.001, help="Seconds per request; late samples get an error result.")
    ] = 60.0,
    on_error: Annotated[
        Literal["abstain", "zero", "raise"],
        typer.Option(help="/get_reward: an error becomes null, 0.0 (counted in extra_logs) or a 422."),
    ] = "abstain",
    max_body_mb: Annotated[float, typer.Option(min=0.001, help="Largest request body (413 above).")] = 32.0,
    tokenizer: Annotated[
        str | None, typer.Option(help="/get_reward: tokenizer (name or path) to cut prompts out of queries.")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    monitor_dir: Annotated[
        Path | None, typer.Option(help="Watch the reward across requests: monitor.jsonl and /metrics gauges here.")
    ] = None,
    monitor_every: Annotated[int, typer.Option(min=1, help="Samples per monitor step.")] = 256,
    monitor_probe_every: Annotated[int, typer.Option(min=0, help="Run the cheap hacking probes every K steps.")] = 0,
) -> None:
    """Serve SPEC over HTTP until interrupted; Ctrl-C or SIGTERM drains in-flight requests."""
    try:
        import uvicorn

        from rewardsmith.serve.app import CONFIG_ENV, ServeConfig, create_app
    except ImportError as exc:
        raise fail(f"serving needs the serve extra: pip install 'rewardsmith[serve]' ({exc})") from None
    from .audit import load_spec

    reward = load_spec(spec)
    spec_path = Path(spec)
    config = ServeConfig(
        # what each worker process loads: the file, or the loaded spec (an inline spec, a function)
        spec=str(spec_path.resolve()) if spec_path.is_file() else to_spec(reward),
        cache=str(cache) if cache else None,
        max_batch=max_batch,
        max_wait_ms=max_wait_ms,
        concurrency=concurrency,
        timeout=timeout,
        max_body_bytes=int(max_body_mb * 2**20),
        api_key_env=api_key_env,
        on_error=on_error,
        tokenizer=tokenizer,
        monitor_dir=str(monitor_dir.resolve()) if monitor_dir else None,
        monitor_every=monitor_every,
        monitor_probe_every=monitor_probe_every,
    )
    config.api_key()
    if not _is_loopback(host) and not api_key_env:
        console.print(f"[yellow]warning:[/] binding {host} without --api-key-env: anyone who can reach it can call it")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": access_log,
        "timeout_graceful_shutdown": int(timeout) + 5,
        "log_level": "info",
    }
    if workers == 1:
        with graceful_stop():
            uvicorn.run(create_app(reward, config), **options)
    else:
        os.environ[CONFIG_ENV] = config.to_json()
        uvicorn.run("rewardsmith.serve.app:app_from_env", factory=True, workers=workers, **options)
