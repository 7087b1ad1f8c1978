"""A real nginx (the Debian package's binary) in front of gunicorn, configured from the file
production uses: deploy/nginx.conf, rendered for loopback by `render` (the upstream servers,
the static folder and the access log substituted; the TLS blocks replaced by one plain-HTTP
listen line). Each substitution must match what the file says, so the shipped file and the
tested one cannot drift apart unnoticed: a change that breaks the rendering fails the tests.

nginx runs as the current user (root or not) with a main configuration of its own in a
temporary directory (pid file, error log, temporary paths), in the foreground, in a process
group of its own that `stop()` always ends. Used by tests/test_live_server.py and by
`python -m bench.contest_load --nginx`.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from learning.config import PROJECT_ROOT
from tests.processes import end_group

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
MIME_TYPES = Path("/etc/nginx/mime.types")

_TLS = re.compile(r"^[ \t]*# BEGIN TLS\n(.*?)^[ \t]*# END TLS\n", re.MULTILINE | re.DOTALL)
_UPSTREAM = re.compile(r"^upstream learning_app \{\n(.*?)^\}", re.MULTILINE | re.DOTALL)
_UPSTREAM_SERVER = re.compile(r"^([ \t]*)server[ \t]+(\S+)((?:[ \t]+[^;\n]+)?);\n", re.MULTILINE)


def _once(pattern: str, replacement: str, text: str) -> str:
    """`text` with the one occurrence of the literal `pattern` replaced."""
    count = text.count(pattern)
    if count != 1:
        raise ValueError(f"deploy/nginx.conf: expected {pattern!r} once, found it {count} times")
    return text.replace(pattern, replacement)


def render(
    template: str, *, upstreams: list[str], port: int, static_root: Path, access_log: Path
) -> str:
    """The site configuration of `template` (deploy/nginx.conf's text) for loopback: nginx
    listening on 127.0.0.1:`port` over plain HTTP, in front of `upstreams` ("host:port")."""
    if not upstreams:
        raise ValueError("at least one upstream")
    blocks = _TLS.findall(template)
    if len(blocks) != 2:
        raise ValueError(f"deploy/nginx.conf: expected 2 TLS blocks, found {len(blocks)}")
    listens = 0

    def plain(match: re.Match[str]) -> str:
        nonlocal listens
        if re.search(r"^\s*server\s*\{", match.group(1), re.MULTILINE):
            return ""  # the port-80 server sending everyone to HTTPS
        if "listen 443" not in match.group(1):
            raise ValueError("deploy/nginx.conf: a TLS block in the server without its listen")
        listens += 1
        return f"    listen 127.0.0.1:{port};\n"

    text = _TLS.sub(plain, template)
    if listens != 1:
        raise ValueError("deploy/nginx.conf: expected one server listening on 443")
    upstream = _UPSTREAM.search(text)
    if upstream is None:
        raise ValueError("deploy/nginx.conf: no `upstream learning_app` block")
    servers = list(_UPSTREAM_SERVER.finditer(upstream.group(1)))
    if len(servers) < 2:
        raise ValueError("deploy/nginx.conf: the upstream should name two or more instances")
    indent, parameters = servers[0].group(1), servers[0].group(3)
    ours = "".join(f"{indent}server {address}{parameters};\n" for address in upstreams)
    body = upstream.group(1)
    body = body[: servers[0].start()] + ours + body[servers[-1].end() :]
    text = text[: upstream.start(1)] + body + text[upstream.end(1) :]
    text = _once("alias /srv/learning/static/;", f"alias {static_root}/;", text)
    return _once("/var/log/nginx/learning.access.log", str(access_log), text)


class Nginx:
    """nginx on a loopback port in front of `upstreams` ("host:port" of gunicorn instances),
    serving this checkout's static folder. `access_log()` reads its access log, one line a
    request, with the upstream that answered ("upstream=-": nginx itself)."""

    def __init__(
        self, upstreams: list[str], *, port: int, workers: int = 1, connections: int = 1024
    ) -> None:
        if NGINX is None:
            raise FileNotFoundError("nginx is not installed")
        self.upstreams, self.port = upstreams, port
        self.base_url = f"http://127.0.0.1:{port}"
        self.directory = Path(tempfile.mkdtemp(prefix="nginx-"))
        self.access_path = self.directory / "access.log"
        self.error_path = self.directory / "error.log"
        site = render(
            TEMPLATE.read_text("utf-8"),
            upstreams=upstreams,
            port=port,
            static_root=PROJECT_ROOT / "static",
            access_log=self.access_path,
        )
        (self.directory / "learning.conf").write_text(site, "utf-8")
        temp = {
            name: self.directory / name
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        }
        for path in temp.values():
            path.mkdir()
        # As root, nginx's workers would switch to an unprivileged user that cannot read this
        # checkout or write the temporary paths: they stay root, for the test only.
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.directory / "nginx.conf").write_text(
            f"{user}worker_processes {workers};\n"
            f"pid {self.directory / 'nginx.pid'};\n"
            f"error_log {self.error_path} warn;\n"
            f"worker_rlimit_nofile {connections * 2};\n"
            f"events {{ worker_connections {connections}; }}\n"
            "http {\n"
            f"    include {MIME_TYPES};\n"
            "    default_type application/octet-stream;\n"
            "    sendfile on;\n"
            f"    access_log {self.directory / 'other.log'};\n"
            f"    client_body_temp_path {temp['client_body']};\n"
            f"    proxy_temp_path {temp['proxy']};\n"
            f"    fastcgi_temp_path {temp['fastcgi']};\n"
            f"    uwsgi_temp_path {temp['uwsgi']};\n"
            f"    scgi_temp_path {temp['scgi']};\n"
            f"    include {self.directory / 'learning.conf'};\n"
            "}\n",
            "utf-8",
        )
        self.process: subprocess.Popen[bytes] | None = None

    def _command(self, *extra: str) -> list[str]:
        assert NGINX is not None
        return [
            NGINX,
            "-p",
            f"{self.directory}/",
            "-c",
            str(self.directory / "nginx.conf"),
            "-e",
            str(self.error_path),
            *extra,
        ]

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 20) -> None:
        check = subprocess.run(
            self._command("-t", "-q"), capture_output=True, text=True, check=False
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the rendered configuration:\n{check.stderr}")
        self.process = subprocess.Popen(
            self._command("-g", "daemon off;"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.error_log()[-2000:]}")
            if self.get("/healthz")[0]:  # any answer: nginx is up (the upstreams may not be)
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not answer:\n{self.error_log()[-2000:]}")

    def get(
        self, path: str, headers: dict[str, str] | None = None, source: str | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        """One GET through nginx on a new connection (from the loopback address `source`)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=30, source_address=(source, 0) if source else None
        )
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return (
                response.status,
                response.read(),
                {k.lower(): v for k, v in response.getheaders()},
            )
        except (OSError, http.client.HTTPException):
            return 0, b"", {}
        finally:
            connection.close()

    def access_log(self) -> list[str]:
        try:
            return self.access_path.read_text("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return []

    def logged(self, marker: str, count: int, timeout: float = 5) -> list[str]:
        """The access log's lines containing `marker`, once there are `count` of them (nginx
        writes a line after the answer has left, so a client may read the log before it)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [line for line in self.access_log() if marker in line]
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def error_log(self) -> str:
        try:
            return self.error_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        end_group(self.process, 10)  # SIGTERM: nginx's fast shutdown
        self.process = None
        shutil.rmtree(self.directory, ignore_errors=True)
