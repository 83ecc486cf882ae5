"""deploy/docker-compose.yml is valid and runs the same code, migrations and settings as the local stack."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "docker-compose.yml"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_compose_file_is_valid_for_the_compose_client() -> None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        command = ["docker", "compose", "-f", str(COMPOSE), "config", "-q"]
    else:
        # The Debian package docker-compose (installed by deploy/local/stack.sh) validates without an engine.
        assert shutil.which("docker-compose"), "no compose client: run deploy/local/stack.sh install"
        command = ["docker-compose", "-f", str(COMPOSE), "config", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_one_postgres_per_service_plus_redis_and_kafka() -> None:
    services = _compose()["services"]
    for database in ("auth_db", "ticket_db", "booking_db", "payment_db"):
        name = "postgres-" + database.removesuffix("_db")
        assert services[name]["environment"]["POSTGRES_DB"] == database
    assert "appendonly" in " ".join(services["redis"]["command"])
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_every_python_command_in_compose_names_a_module_of_this_project() -> None:
    for name, service in _compose()["services"].items():
        command = service.get("command")
        if isinstance(command, list) and command[:2] == ["python", "-m"]:
            module = command[2]
            assert importlib.util.find_spec(module) is not None, f"{name}: python -m {module} does not exist"


def test_the_gateway_renders_the_same_template_as_the_local_stack() -> None:
    gateway = _compose()["services"]["gateway"]
    assert "./nginx/gateway.conf.template:/gateway.conf.template:ro" in gateway["volumes"]
    template = (REPO / "deploy" / "nginx" / "gateway.conf.template").read_text()
    rendered_placeholders = {"@DIR@", "@LISTEN@", "@AUTH_UPSTREAM@", "@TICKET_UPSTREAM@", "@BOOKING_UPSTREAM@"}
    for placeholder in rendered_placeholders | {"@PAYMENT_UPSTREAM@"}:
        assert placeholder in template
        assert placeholder in " ".join(gateway["command"])
