"""Fixtures: spawn the real launcher with real sockets, a notify socket and a memfd.

Each worker is a real subprocess (``python -m drover_worker``) whose listening
sockets land at fds 3, 4, ... through the fdexec.py trampoline; every spawned
process is killed in teardown.
"""

from __future__ import annotations

import datetime
import mmap
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from workers import APPS, HERE, PACKAGE_ROOT, Listener, NotifyReceiver, Worker, tcp_listener

FDEXEC = HERE / "fdexec.py"

_INHERITED = ("LISTEN_", "NOTIFY_SOCKET", "WATCHDOG_", "DROVER_", "FDEXEC_", "WEB_CONCURRENCY")


@pytest.fixture
def sockdir() -> Iterator[str]:
    """A short directory for AF_UNIX paths (sun_path is limited to 108 bytes)."""
    path = tempfile.mkdtemp(prefix="dw-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def spawn(tmp_path: Path, sockdir: str):
    """spawn(app, *args, listeners=[...], notify="path"|"abstract"|None, heartbeat=True, env={}, listen_pid="self",
    keep_listeners=False, page_size=8): start a worker; keep_listeners=True keeps our copies open to hand to another
    worker; page_size is the heartbeat page's (8: the stamp only; 32: with the counts and the oldest request)."""
    workers: list[Worker] = []

    def _spawn(
        app: str = "hello:app",
        *args: str,
        listeners: list[Listener] | None = None,
        notify: str | None = "path",
        heartbeat: bool = True,
        env: dict[str, str] | None = None,
        listen_pid: str = "self",
        keep_listeners: bool = False,
        page_size: int = 8,
    ) -> Worker:
        listeners = [tcp_listener()] if listeners is None else listeners
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED)}
        child_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_ROOT), child_env.get("PYTHONPATH")]))
        child_env["PYTHONUNBUFFERED"] = "1"
        child_env["FDEXEC_LISTEN"] = ",".join(str(lst.sock.fileno()) for lst in listeners if lst.sock)
        child_env["FDEXEC_LISTEN_PID"] = listen_pid
        pass_fds = [lst.sock.fileno() for lst in listeners if lst.sock]

        receiver = NotifyReceiver(notify, sockdir) if notify else None
        if receiver is not None:
            child_env["NOTIFY_SOCKET"] = receiver.env_value
        memfd_map = None
        memfd = -1
        if heartbeat:
            memfd = os.memfd_create("drover-heartbeat")
            os.ftruncate(memfd, page_size)
            memfd_map = mmap.mmap(memfd, page_size)
            child_env["FDEXEC_HEARTBEAT"] = str(memfd)
            pass_fds.append(memfd)
        child_env.update(env or {})

        n = len(workers)
        stdout_path, stderr_path = tmp_path / f"worker{n}.out", tmp_path / f"worker{n}.err"
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(
                [sys.executable, str(FDEXEC), sys.executable, "-m", "drover_worker", *args, app],
                cwd=APPS,
                env=child_env,
                pass_fds=pass_fds,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        # Normally the worker is now the only holder of the listening sockets and the memfd.
        for lst in [] if keep_listeners else listeners:
            if lst.sock is not None:
                lst.sock.close()
                lst.sock = None
        if memfd >= 0:
            os.close(memfd)
        worker = Worker(proc, listeners, receiver, stdout_path, stderr_path, memfd_map)
        workers.append(worker)
        return worker

    yield _spawn
    for worker in workers:
        worker.cleanup()


def _self_signed_with_cryptography(certfile: Path, keyfile: Path) -> bool:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return True


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key: (certfile, keyfile)."""
    directory = tmp_path_factory.mktemp("tls")
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    if not _self_signed_with_cryptography(certfile, keyfile):
        openssl = shutil.which("openssl")
        if openssl is None:
            pytest.skip("neither the cryptography package nor the openssl command is available")
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1"]
            + ["-keyout", str(keyfile), "-out", str(certfile)],
            check=True,
            capture_output=True,
            timeout=30,
        )
    return certfile, keyfile
