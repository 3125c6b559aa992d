"""The Docker image builds and starts as written: its exact steps, replayed without a Docker engine.

No Docker engine runs on these machines, so this test reads the Dockerfile and does what Docker
would, instruction by instruction, under a scratch root folder that stands in for the image's
file system (absolute paths of the image are mapped into it):

- the build stage runs as root: a clean virtual environment, a non-editable `pip install .`
  (migrations, templates and assets must be in the wheel), the artefacts from the mirror (given as
  the ARTIFACTS_MIRROR build argument, as an offline build would);
- the runtime stage runs its RUN steps as root (the service account is an existing unprivileged
  account, `nobody`, instead of a `useradd`), copies what it copies, and then, like `docker run`
  with a fresh named volume, starts the CMD as that account with the ENV of the image. A VOLUME
  folder the image does not have is created root-owned, as Docker does: that is what made the
  first image fail to start.

It proves the service migrates, becomes ready, passes the HEALTHCHECK, and writes its database and
compiled rule sets into the data volume as the service account.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
# The image paths the Dockerfile uses; each is mapped under the scratch root.
IMAGE_PATHS = ("/opt/venv", "/opt/artifacts", "/app", "/src", "/context")
SERVICE_ACCOUNT = (65534, 65534)  # nobody:nogroup stands in for the image's `einvoice` account


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)


def parse_dockerfile(text: str) -> list[Stage]:
    stages: list[Stage] = []
    logical = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines()
                                              if not line.lstrip().startswith("#")))
    for line in logical.splitlines():
        if not line.strip():
            continue
        keyword, _, args = line.strip().partition(" ")
        keyword, args = keyword.upper(), re.sub(r"\s+", " ", args).strip()
        if keyword == "FROM":
            stages.append(Stage(args.split(" AS ")[1] if " AS " in args else None))
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return stages


class Replay:
    """Docker's semantics for the instructions this Dockerfile uses, on a scratch root."""

    def __init__(self, root: Path, context: Path, python: str, build_args: dict[str, str]) -> None:
        self.root, self.context, self.build_args = root, context, build_args
        shim = root / "shim"
        shim.mkdir()
        (shim / "python").symlink_to(python)  # the base image's `python`
        self.base_path = f"{shim}:/usr/local/bin:/usr/bin:/bin"
        self.image_env: dict[str, str] = {}
        self.cwd = root
        self.user: str | None = None
        self.volumes: list[str] = []
        self.healthcheck: list[str] = []
        self.cmd: list[str] = []
        self.account_home = str(root)

    def map(self, text: str) -> str:
        pattern = "|".join(re.escape(p) for p in IMAGE_PATHS)
        return re.sub(rf"(?<![\w.])({pattern})(?=/|\b|$)", lambda m: f"{self.root}{m.group(1)}", text)

    def env(self) -> dict[str, str]:
        return {"PATH": self.base_path, "HOME": str(self.root), "LANG": "C.UTF-8",
                "PIP_DISABLE_PIP_VERSION_CHECK": "1", **self.image_env}

    def expand(self, value: str) -> str:
        env = self.env()
        return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)

    def run_stage(self, stage: Stage, *, final: bool) -> None:
        self.image_env, self.cwd, self.user = {}, self.root, None
        for ins in stage.instructions:
            getattr(self, f"do_{ins.keyword.lower()}")(ins.args, final=final)
        for volume in self.volumes:  # Docker creates a VOLUME folder the image lacks, root-owned
            path = Path(self.map(volume))
            if not path.exists():
                path.mkdir(parents=True)
                path.chmod(0o755)

    def do_workdir(self, args: str, **_) -> None:
        self.cwd = Path(self.map(args))
        self.cwd.mkdir(parents=True, exist_ok=True)

    def do_arg(self, args: str, **_) -> None:
        name, _, default = args.partition("=")
        self.image_env[name] = self.build_args.get(name, json.loads(default) if default else "")

    def do_env(self, args: str, **_) -> None:
        for pair in shlex.split(args):
            name, _, value = pair.partition("=")
            self.image_env[name] = self.map(self.expand(value))

    def do_run(self, args: str, *, final: bool) -> None:
        steps = [s.strip() for s in args.split("&&")] if final else [args]
        for step in steps:
            if final and step.split()[0] in ("useradd", "groupadd", "adduser"):
                home = re.search(r"--home-dir (\S+)", step)
                if home:  # docker run sets HOME from the account
                    self.account_home = self.map(home.group(1))
                continue  # the account exists already (SERVICE_ACCOUNT)
            if final and step.startswith("chown "):
                step = re.sub(r"\beinvoice(:einvoice)?\b", "{}:{}".format(*SERVICE_ACCOUNT), step)
            result = subprocess.run(["sh", "-c", self.map(step)], cwd=self.cwd, env=self.env(),
                                    capture_output=True, text=True, timeout=1200)
            assert result.returncode == 0, f"RUN {step}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"

    def do_copy(self, args: str, **_) -> None:
        words = args.split()
        options = [w for w in words if w.startswith("--")]
        *sources, dest = [w for w in words if not w.startswith("--")]
        from_stage = any(o.startswith("--from=") for o in options)
        chown = any(o.startswith("--chown=") for o in options)  # only ever the service account
        target = Path(self.map(dest)) if dest.startswith("/") else self.cwd / dest
        for source in sources:
            src = Path(self.map(source)) if from_stage else self.context / source
            into = target / src.name if (dest.endswith("/") or len(sources) > 1) and source != "." else target
            if src.resolve() == into.resolve():
                continue  # the same image path in both stages: already there
            if src.is_dir():
                shutil.copytree(src, into, symlinks=True, dirs_exist_ok=True)
            else:
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, into)
            for path in [into, *(into.rglob("*") if into.is_dir() else ())] if chown else ():
                os.chown(path, *SERVICE_ACCOUNT, follow_symlinks=False)

    def do_user(self, args: str, **_) -> None:
        self.user = args

    def do_volume(self, args: str, **_) -> None:
        self.volumes += json.loads(args)

    def do_expose(self, args: str, **_) -> None:
        pass

    def do_healthcheck(self, args: str, **_) -> None:
        self.healthcheck = json.loads(args.split(" CMD ", 1)[1])

    def do_cmd(self, args: str, **_) -> None:
        self.cmd = json.loads(args)

    def as_service_account(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        uid, gid = SERVICE_ACCOUNT
        return ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", *argv]


def _context_like_docker(tmp: Path, mirror: Path) -> Path:
    """The build context: the checkout less .dockerignore, plus the mirror as a folder in it."""
    patterns = [p.strip().rstrip("/") for p in (REPO / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(REPO)
        # "**/x" matches x in any folder; any other pattern is a path from the context's root
        return {n for n in names for p in patterns
                if fnmatch.fnmatch(n, p[3:]) if p.startswith("**/")} | {
            n for n in names for p in patterns if fnmatch.fnmatch(str(rel / n), p)}

    context = tmp / "context"
    shutil.copytree(REPO, context, ignore=ignore)
    (context / "mirror").symlink_to(mirror)
    return context


def _python_for_every_account() -> str:
    """A Python 3.11+ that another account may run (the test's own may live under /root)."""
    for candidate in ("/usr/local/bin/python3", "/usr/bin/python3"):
        if os.access(candidate, os.X_OK):
            ok = subprocess.run([candidate, "-c", "import sys, venv, ensurepip; "
                                 "sys.exit(sys.version_info < (3, 11))"], capture_output=True)
            if ok.returncode == 0:
                return candidate
    return sys.executable


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def scratch_root():
    # Not pytest's tmp_path: it is 0700, and the service account must reach the image folders.
    root = Path(tempfile.mkdtemp(prefix="einvoice-image-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_the_image_builds_and_starts_as_a_non_root_user_on_a_fresh_volume(scratch_root, artifacts_mirror):
    stages = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    assert [s.name for s in stages] == ["build", None]
    context = _context_like_docker(scratch_root / "build-context", artifacts_mirror)
    replay = Replay(scratch_root, context, _python_for_every_account(), {"ARTIFACTS_MIRROR": "mirror"})

    replay.run_stage(stages[0], final=False)
    replay.run_stage(stages[1], final=True)
    assert replay.user and replay.user != "root", "the image must not run as root"
    assert replay.volumes == ["/app/data"]
    volume = Path(replay.map("/app/data"))
    assert (volume.stat().st_uid, volume.stat().st_gid) == SERVICE_ACCOUNT, "the service user owns the data volume"
    assert not any(volume.iterdir()), "a fresh volume starts empty"

    port = _free_port()
    env = {**replay.env(), "HOME": replay.account_home,
           "EINVOICE_PORT": str(port), "EINVOICE_HOST": "127.0.0.1"}  # docker run -e ...
    server = subprocess.Popen(replay.as_service_account(replay.cmd), cwd=replay.cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = _wait_ready(port, server)
        assert ready == 200, "the service never became ready:\n" + _output(server)
        healthcheck = [a.replace("8000", str(port)) for a in replay.healthcheck]
        health = subprocess.run(replay.as_service_account(healthcheck), env=env, timeout=30)
        assert health.returncode == 0, f"HEALTHCHECK failed: {shlex.join(healthcheck)}"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200  # the workspace's templates and assets are in the wheel

        key = subprocess.run(replay.as_service_account(["einvoice", "keys", "create", "--role", "gateway"]),
                             cwd=replay.cwd, env=env, capture_output=True, text=True, timeout=120)
        assert key.returncode == 0, key.stderr
        example = Path(replay.map("/opt/artifacts")) / "peppol-bis-billing-3/rules/examples/base-example.xml"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/invoices", data=example.read_bytes(),
                                         method="POST", headers={"Content-Type": "application/xml",
                                                                 "Authorization": f"Bearer {key.stdout.strip()}"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                assert r.status == 201
        except urllib.error.HTTPError as exc:  # the server's log says why
            raise AssertionError(f"POST /v1/invoices answered {exc.code}:\n{_output(server)}") from None
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    written = {p.relative_to(volume).parts[0] for p in volume.rglob("*")}
    assert {"einvoice.db", "cache"} <= written, written
    owners = {(p.stat().st_uid, p.stat().st_gid) for p in volume.rglob("*")}
    assert owners == {SERVICE_ACCOUNT}, owners
    assert any((volume / "cache").rglob("*.*")), "compiled rule sets are cached in the volume"


def _wait_ready(port: int, server: subprocess.Popen) -> int | None:
    for _ in range(480):
        if server.poll() is not None:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                return r.status
        except OSError:
            time.sleep(0.5)
    return None


def _output(server: subprocess.Popen) -> str:
    if server.poll() is None:
        server.terminate()
    return (server.communicate(timeout=20)[0] or "")[-3000:]


def test_the_dockerfile_parser_reads_every_instruction():
    stages = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))
    keywords = {ins.keyword for stage in stages for ins in stage.instructions}
    assert keywords <= {name[3:].upper() for name in dir(Replay) if name.startswith("do_")}, keywords
