"""Keep the deployment files honest against the code: ports, health path, environment variable names, and the
container's start command (run here outside Docker, since Docker does not run on the test machine)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml

from openscg.settings import Settings
from tests.server_process import free_port

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "server"
DOCKERFILE = (SERVER / "Dockerfile").read_text()
SETTING_NAMES = {f"OPENSCG_{name.upper()}" for name in Settings.model_fields}


def dockerfile_env() -> dict[str, str]:
    block = re.search(r"^ENV ((?:.*\\\n)*.*)$", DOCKERFILE.split("FROM ")[-1], re.MULTILINE)
    assert block, "the final stage sets no ENV"
    return dict(re.findall(r"(\w+)=(\S+)", block.group(1).replace("\\\n", " ")))


def named_variables(text: str) -> set[str]:
    return set(re.findall(r"(?<![A-Z_])OPENSCG_[A-Z_]+", text))


def test_every_openscg_variable_in_deploy_files_exists():
    for path in ("server/Dockerfile", "server/fly.toml", "render.yaml", "docker-compose.yml", "docs/deploy.md"):
        unknown = named_variables((REPO / path).read_text()) - SETTING_NAMES - {"OPENSCG_TEST_POSTGRES_URL"}
        assert not unknown, f"{path} names variables the server does not read: {sorted(unknown)}"


def test_client_variable_in_deploy_files_is_read_by_the_client():
    client_code = "".join(path.read_text() for path in (REPO / "client" / "lib").glob("*.ts"))
    for path in ("docker-compose.yml", "docs/deploy.md"):
        for name in set(re.findall(r"NEXT_PUBLIC_[A-Z_]+", (REPO / path).read_text())):
            assert name in client_code, f"{path} sets {name}, which the client never reads"


def test_ports_agree():
    port = dockerfile_env()["PORT"]
    assert re.search(rf"^EXPOSE {port}$", DOCKERFILE, re.MULTILINE)
    fly = tomllib.loads((SERVER / "fly.toml").read_text())
    assert str(fly["http_service"]["internal_port"]) == port == fly["env"]["PORT"]
    render = yaml.safe_load((REPO / "render.yaml").read_text())
    web = next(service for service in render["services"] if service["type"] == "web")
    assert {"key": "PORT", "value": port} in web["envVars"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert compose["services"]["server"]["environment"]["PORT"] == port
    assert any(mapping.endswith(f":{port}") for mapping in compose["services"]["server"]["ports"])


def test_health_checks_use_the_real_health_route():
    from openscg.app import create_app

    paths = set(create_app(Settings()).openapi()["paths"])
    fly = tomllib.loads((SERVER / "fly.toml").read_text())
    render = yaml.safe_load((REPO / "render.yaml").read_text())
    web = next(service for service in render["services"] if service["type"] == "web")
    for path in (fly["http_service"]["checks"][0]["path"], web["healthCheckPath"], "/health"):
        assert path in paths
    assert "/health" in DOCKERFILE


def test_fly_keeps_a_machine_for_long_lived_sockets():
    fly = tomllib.loads((SERVER / "fly.toml").read_text())
    service = fly["http_service"]
    assert service["concurrency"]["type"] == "connections"
    assert service["min_machines_running"] >= 1 and service["auto_stop_machines"] in ("off", False)
    assert fly["mounts"]["destination"] in fly["env"]["OPENSCG_DATABASE_URL"]
    assert int(fly["kill_timeout"].rstrip("s")) >= 20, "graceful shutdown needs the grace period"


def test_container_start_command_serves_outside_docker(tmp_path):
    """The Dockerfile's CMD with its ENV (the database moved into a temp folder) answers /health on $PORT."""
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd
    argv = yaml.safe_load(cmd.group(1))
    assert argv[0] == "openscg"
    port = free_port()
    env = {**os.environ, **dockerfile_env(), "PORT": str(port), "OPENSCG_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    argv = [sys.executable, "-m", "openscg", *argv[1:]]
    argv[argv.index("0.0.0.0")] = "127.0.0.1"  # listen on loopback only, in a test
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                subprocess.run(["sleep", "0.1"], check=True)
        else:
            pytest.fail("the container's start command did not serve /health on $PORT")
        assert response.json()["checks"] == {"database": "ok", "broker": "ok"}
    finally:
        process.terminate()
        # uvicorn re-raises SIGTERM after its graceful shutdown, so the exit status is that signal, not a crash
        assert process.wait(timeout=30) in (0, -signal.SIGTERM), "SIGTERM must shut the server down cleanly"


def test_several_workers_refuse_the_in_process_broker():
    result = subprocess.run(
        [sys.executable, "-m", "openscg", "serve", "--workers", "2"],
        env={**os.environ, "OPENSCG_BROKER_URL": "memory://"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "redis" in result.stderr.lower()


def test_invalid_configuration_stops_startup_naming_the_variable():
    result = subprocess.run(
        [sys.executable, "-m", "openscg", "serve"],
        env={**os.environ, "OPENSCG_DATABASE_URL": "mysql://nope", "OPENSCG_MAX_MESSAGE_BYTES": "-1"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "OPENSCG_DATABASE_URL" in result.stderr and "OPENSCG_MAX_MESSAGE_BYTES" in result.stderr
