"""Gunicorn settings in the worker: the SSL details (client certificates), --user/--group/--initgroups/--umask,
--pythonpath and --proc-name."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from workers import TIMEOUT

NOBODY = pwd.getpwnam("nobody")


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for localhost and a client certificate, both signed by the CA."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not available")
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=Test CA", "-days", "1",
            "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem")  # fmt: skip
    for name in ("server", "client"):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={'localhost' if name == 'server' else 'client'}",
                "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr")  # fmt: skip
        openssl("x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
                "-CAcreateserial", "-days", "1", "-out", f"{d}/{name}.pem")  # fmt: skip
    return d


def https_get(worker, pki: Path, *, client_cert: bool) -> bytes:
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    if client_cert:
        context.load_cert_chain(str(pki / "client.pem"), str(pki / "client.key"))
    with socket.create_connection(worker.listeners[0].address, timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := tls.recv(65536):
                answer += chunk
    return answer


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_client_certificates_required(spawn, pki, http):
    worker = spawn(
        "whoami:app",
        "--http", http,
        "--ssl-certfile", str(pki / "server.pem"),
        "--ssl-keyfile", str(pki / "server.key"),
        "--ssl-ca-certs", str(pki / "ca.pem"),
        "--ssl-cert-reqs", "2",
        "--ssl-ciphers", "ECDHE+AESGCM",
        "--ssl-version", str(int(ssl.PROTOCOL_TLS_SERVER)),
    )  # fmt: skip
    worker.wait_ready()
    assert https_get(worker, pki, client_cert=True).startswith(b"HTTP/1.1 200 ")
    try:  # TLS 1.3: the handshake completes on the client's side; the server's refusal comes at the first read
        refused = https_get(worker, pki, client_cert=False)
    except (ssl.SSLError, ConnectionResetError):
        refused = b""
    assert refused == b""
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--ssl-ca-certs", "missing.pem", "drover-worker: --ssl-ca-certs missing.pem: No such file or directory\n"),
        (
            "--ssl-ciphers",
            "NO-SUCH-CIPHER",
            "drover-worker: --ssl-ciphers NO-SUCH-CIPHER: No cipher can be selected.\n",
        ),
        ("--ssl-version", "99", "drover-worker: --ssl-version 99: invalid or unsupported protocol version 99\n"),
    ],
    ids=["ca-certs", "ciphers", "version"],
)
def test_unusable_ssl_details_exit_2(spawn, pki, flag, value, message):
    tls = ("--ssl-certfile", str(pki / "server.pem"), "--ssl-keyfile", str(pki / "server.key"))
    worker = spawn("whoami:app", *tls, flag, value)
    assert worker.wait_exit() == 2
    assert worker.stderr() == message


def test_ssl_details_without_a_certificate_are_ignored_with_a_warning(spawn):
    worker = spawn("whoami:app", "--ssl-cert-reqs", "2")
    worker.wait_ready()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0
    assert "[WARNING] --ssl-cert-reqs: ignored without --ssl-certfile and --ssl-keyfile" in worker.stderr()


def whoami(worker) -> dict:
    response = worker.connect().get("/")
    assert response.status == 200
    return json.loads(response.body)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
@pytest.mark.parametrize("by", ["name", "number"])
def test_runs_the_app_as_another_user(spawn, by):
    user, group = ("nobody", "nogroup") if by == "name" else (str(NOBODY.pw_uid), str(NOBODY.pw_gid))
    worker = spawn("whoami:app", "--user", user, "--group", group, "--umask", "077")
    worker.wait_ready()  # READY=1 reached droverd's socket (a path only root may write to) after the switch
    seen = whoami(worker)
    assert (seen["uid"], seen["euid"]) == (NOBODY.pw_uid, NOBODY.pw_uid)
    assert (seen["gid"], seen["egid"]) == (NOBODY.pw_gid, NOBODY.pw_gid)
    assert seen["groups"] == [NOBODY.pw_gid]  # root's supplementary groups are gone
    assert seen["umask"] == os.umask(os.umask(0o22))  # as Gunicorn, --umask leaves the worker's alone
    assert whoami(worker)["uid"] == NOBODY.pw_uid  # the inherited socket still serves
    worker.send_signal(signal.SIGTERM)
    assert worker.wait_exit() == 0


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_initgroups_and_user_alone(spawn):
    worker = spawn("whoami:app", "--user", "nobody", "--initgroups")
    worker.wait_ready()
    seen = whoami(worker)
    assert seen["uid"] == NOBODY.pw_uid
    assert seen["gid"] == os.getgid()  # no --group: the group stays, as in Gunicorn
    assert seen["groups"] == sorted(set(os.getgrouplist("nobody", os.getgid())))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--user", "no-such-user"), "drover-worker: --user no-such-user: No such user: 'no-such-user'\n"),
        (("--group", "no-such-group"), "drover-worker: --group no-such-group: No such group: 'no-such-group'\n"),
    ],
    ids=["user", "group"],
)
def test_unknown_user_or_group_exits_2(spawn, args, message):
    worker = spawn("whoami:app", *args)
    assert worker.wait_exit() == 2
    assert worker.stderr() == message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may switch")
def test_switch_refused_exits_2(spawn):
    worker = spawn("whoami:app", "--user", "0")
    assert worker.wait_exit() == 2
    assert worker.stderr().startswith("drover-worker: --user 0: cannot switch: ")


def test_pythonpath(spawn, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (second / "elsewhere.py").write_text("from whoami import app\n")
    worker = spawn("elsewhere:app", "--pythonpath", f"{first},{second}")
    worker.wait_ready()
    # Each directory is put first in turn, as Gunicorn does: the last one named ends up in front.
    assert whoami(worker)["path"][:2] == [str(second), str(first)]


def test_proc_name(spawn):
    worker = spawn("whoami:app", "--proc-name", "my-app")
    worker.wait_ready()
    cmdline = Path(f"/proc/{worker.proc.pid}/cmdline").read_bytes()
    try:
        import setproctitle  # noqa: F401
    except ImportError:
        assert b"drover_worker" in cmdline  # without setproctitle the title stays
    else:
        assert cmdline.rstrip(b"\0") == b"drover-worker: worker [my-app]"
