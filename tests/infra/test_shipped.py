"""What ships is what is tested: every function starts on Python 3.12 with only its code and the layers.

The synthesised assembly says what a deploy uploads: each function's handler name, its environment and its
code, and the two layers. The dependency layer's lock is installed for this machine into an empty folder,
and each function starts in a fresh isolated process with only that folder, the core layer as staged and
its own folder on sys.path, with Lambda's variables set and tracing on, as in AWS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import layers, spec
from local import environment
from tests import shipped
from tests.infra.synth import Synth

NAMES = [function.name for function in spec.FUNCTIONS]
# Tracing is on, as in AWS; this address is where the X-Ray SDK sends what it records (nothing listens).
DAEMON = "127.0.0.1:2000"
# Packages of this repository that are never deployed.
DEVELOPMENT_PACKAGES = {"tests", "local", "infra", "bench", "tools", "talentpool_client"}


@pytest.fixture(scope="module")
def assembly(default_synth: Synth) -> dict[str, shipped.ShippedFunction]:
    logical_ids = {name: default_synth.logical_id(default_synth.stack.functions.by_name[name]) for name in NAMES}
    template = {"Resources": default_synth.resources}
    return shipped.shipped_functions(template, default_synth.outdir, logical_ids)


@pytest.fixture(scope="module")
def host_dependencies() -> Path:
    return shipped.host_dependencies()


def deployed_environment(function: shipped.ShippedFunction, values: dict[str, str]) -> dict[str, str]:
    """The function's variables as the template names them: the local deployment's value for each name it
    knows, the template's own where it is a literal; /opt paths point into the staged layers."""
    found: dict[str, str] = {}
    for name, value in function.environment.items():
        chosen = values.get(name, value)
        if not isinstance(chosen, str):
            raise AssertionError(f"{function.name}: no value for {name} (the template's is {chosen!r})")
        found[name] = chosen
    if spec.Env.WEB_ROOT.value in found:
        [core] = function.code_layers
        found[spec.Env.WEB_ROOT.value] = str(core / "web")
    return found


def local_values() -> dict[str, str]:
    settings = environment.LocalSettings(port=3000, region="us-east-1", time_scale=1.0)
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:talentpool/token-secret-AbCdEf"
    return environment.local_values(settings, arn)


@pytest.fixture(scope="module")
def cold_starts(assembly: dict[str, shipped.ShippedFunction], host_dependencies: Path) -> dict[str, shipped.Run]:
    """One fresh execution environment per function: import the handler CDK names, so its module runs."""
    values = local_values()
    requests = []
    for function in assembly.values():
        [core] = function.code_layers
        requests.append(
            shipped.Request(
                function=function,
                opt_python=[host_dependencies, core / "python"],
                environment={
                    "PATH": "/usr/bin:/bin",
                    **shipped.lambda_runtime_environment(function.name, function.memory_mb, function.code),
                    **shipped.tracing_environment(DAEMON),
                    **deployed_environment(function, values),
                },
            )
        )
    return {run.name: run for run in shipped.run_all(requests)}


@pytest.mark.parametrize("name", NAMES)
def test_each_handler_initialises_on_python_312_with_only_the_shipped_layers(
    cold_starts: dict[str, shipped.Run], name: str
) -> None:
    # Given the function's code and the layers as a deploy uploads them, and the lock installed for this host
    # When a fresh Python 3.12 process imports the handler CDK configures, with tracing on
    run = cold_starts[name]
    # Then its module initialises: every import it needs is shipped
    assert run.imported, run.explain()
    assert run.result["python"].startswith(layers.PYTHON_VERSION + ".")
    # And nothing came from outside the shipped set: no module was loaded from the development tree
    assert not [m for m in run.result["modules"] if m.split(".")[0] in DEVELOPMENT_PACKAGES]


def test_the_arm64_layer_holds_exactly_the_locked_distributions(
    assembly: dict[str, shipped.ShippedFunction],
) -> None:
    # Given the dependency layer a deploy uploads
    [layer] = {function.dependency_layer for function in assembly.values()}
    # Then it holds each locked distribution at its locked version, and nothing else
    assert shipped.installed_distributions(layer / "python") == shipped.locked_distributions(layers.LOCK)
