"""What one open WebSocket costs in Python memory, and who holds it: `make bench-socket-memory`.

Runs the real app under uvicorn (websockets-sansio, uvloop) in this process with tracemalloc on, opens N phones
with two viewers each from a client subprocess, and prints the traced bytes per open socket by file. The load
bench's "KiB/conn" is RSS (allocator and kernel included); this one says where the Python part goes.

    .venv/bin/python bench/socket_memory.py --phones 150
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import subprocess
import sys
import tempfile
import tracemalloc

CLIENT = r"""
import asyncio, json, sys
import httpx, websockets

async def main(port, phones):
    base = f"127.0.0.1:{port}"
    held = []
    async with httpx.AsyncClient(base_url=f"http://{base}") as client:
        for _ in range(phones):
            session = (await client.post("/api/v1/sessions", json={"label": "socket-memory"})).json()
            roles = [("captureUrl", "patientToken"), ("watchUrl", "viewerToken"), ("watchUrl", "viewerToken")]
            for path, token in roles:
                ws = await websockets.connect(f"ws://{base}" + session[path])
                await ws.send(json.dumps({"type": "hello", "token": session[token]}))
                await ws.recv()
                held.append(ws)
    print(len(held), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def open_sockets(port: int, phones: int) -> tuple[asyncio.subprocess.Process, int]:
    client = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, str(port), str(phones), stdout=subprocess.PIPE
    )
    assert client.stdout is not None
    line = await client.stdout.readline()
    if not line:
        raise SystemExit("the client process failed before opening its sockets")
    return client, int(line)


async def measure(phones: int, top: int) -> None:
    import uvicorn

    from openscg.serve import app_factory

    port = free_port()
    config = uvicorn.Config(
        app_factory,
        factory=True,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    warm, _ = await open_sockets(port, 3)  # first-use caches (routes, SQL compilation) are not per socket
    warm.kill()
    await warm.wait()
    await asyncio.sleep(1.0)
    gc.collect()
    tracemalloc.start(4)
    before = tracemalloc.take_snapshot()
    client, count = await open_sockets(port, phones)
    await asyncio.sleep(2.0)
    gc.collect()
    after = tracemalloc.take_snapshot()
    stats = after.compare_to(before, "filename")
    total = sum(stat.size_diff for stat in stats)
    print(f"{count} sockets open ({phones} phones × 1 capture + 2 watch)")
    print(f"traced Python memory: {total / 1024 / count:.1f} KiB per socket\n")
    print("| bytes per socket | file |\n|---:|---|")
    for stat in stats[:top]:
        print(f"| {stat.size_diff / count:.0f} | {short(stat.traceback[0].filename)} |")
    client.kill()
    await client.wait()
    server.should_exit = True
    await serving


def short(filename: str) -> str:
    for marker in ("site-packages/", "python3.11/", "src/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=150)
    parser.add_argument("--top", type=int, default=20, help="files to list")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="openscg-socket-memory-")
    os.environ.update(
        OPENSCG_DATABASE_URL=f"sqlite:///{folder}/bench.db",
        OPENSCG_SESSIONS_PER_MINUTE="1000000",
        OPENSCG_MAX_SOCKETS_PER_ADDRESS="100000",
        OPENSCG_ANALYSIS_INTERVAL_S="0",
        OPENSCG_LOG_LEVEL="WARNING",
    )
    import uvloop

    uvloop.run(measure(args.phones, args.top))


if __name__ == "__main__":
    main()
