"""Drive the real dynamic-provider process (``python -u -m pulumi.dynamic``) over gRPC, the way
the Pulumi engine does: Configure with the stack config (secrets wrapped), then
Check/Create/Read/Diff/Update/Delete with properties that carry ``__provider``.

Never import ``pulumi.dynamic.__main__`` in-process: it serves for ever.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.support.waits import HANG_GUARD_SECONDS

REPO = Path(__file__).resolve().parents[2]
PROJECT = "pulumi-groups"
STACK = "test"


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_token}::{name}"


def _struct(props: dict[str, Any]) -> struct_pb2.Struct:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return rpc.deserialize_properties(struct, keep_unknowns=True)


def secret(value: str) -> dict[str, str]:
    """A config value as the engine sends a secret."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


class ProviderProcess:
    """One provider process; ``output`` holds every line it printed (stdout and stderr)."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self._extra_env = extra_env
        self._config: dict[str, Any] | None = None
        self._later: list[ProviderProcess] = []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CAPILLARY_", "WESURVEY_"))}
        env.update({"PULUMI_PROJECT": PROJECT, "PYTHONUNBUFFERED": "1"})
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=str(REPO),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self.proc.stdout.readline().strip()
        if not first.isdigit():
            self.close()
            raise RuntimeError(f"provider process did not print its port: {first!r}")
        self.port = int(first)
        self.output: list[str] = []
        self._printed = threading.Condition()  # notified at each line and at each stream's end
        self._streams_ended = 0
        self._drains = [
            threading.Thread(target=self._drain, args=(stream,), daemon=True)
            for stream in (self.proc.stdout, self.proc.stderr)
        ]
        for drain in self._drains:
            drain.start()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _drain(self, stream) -> None:
        for line in stream:
            with self._printed:
                self.output.append(line.rstrip("\n"))
                self._printed.notify_all()
        with self._printed:
            self._streams_ended += 1
            self._printed.notify_all()

    def saw(self, text: str) -> bool:
        """Whether the process printed ``text``: waits for it to arrive, or for the process's
        output to end, never for a fixed time (``HANG_GUARD_SECONDS`` only stops a hang)."""
        with self._printed:
            self._printed.wait_for(
                lambda: text in "\n".join(self.output) or self._streams_ended == 2, timeout=HANG_GUARD_SECONDS
            )
            return text in "\n".join(self.output)

    def printed(self) -> str:
        """Everything the process ever printed. Only a process that has ended can print nothing
        more, so this ends it (with the later runs it started) and reads both streams to their
        end: a check that nothing secret was printed sees the last line too."""
        self.close()
        for drain in self._drains:
            drain.join(HANG_GUARD_SECONDS)
        with self._printed:
            assert self._streams_ended == 2, "the provider process's output did not end"
            return "\n".join(self.output)

    def next_run(self) -> ProviderProcess:
        """A later run (``pulumi destroy`` after an ``up``): the engine starts a new provider
        process per run, with the same config. Closed with this one."""
        later = ProviderProcess(self._extra_env)
        self._later.append(later)
        if self._config is not None:
            later.configure(self._config)
        return later

    def close(self) -> None:
        for later in self._later:
            later.close()
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        self.proc.kill()
        self.proc.wait(timeout=10)

    # -- calls, as the engine makes them -----------------------------------------------------------
    def configure(self, config: dict[str, Any]) -> None:
        self._config = config
        self.stub.Configure(provider_pb2.ConfigureRequest(args=_struct(config), acceptSecrets=True))

    def check(self, type_token: str, name: str, olds: dict, news: dict) -> tuple[dict, list[tuple[str, str]]]:
        reply = self.stub.Check(
            provider_pb2.CheckRequest(urn=urn(type_token, name), olds=_struct(olds), news=_struct(news))
        )
        return _plain(reply.inputs), [(f.property, f.reason) for f in reply.failures]

    def create(self, type_token: str, name: str, props: dict) -> tuple[str, dict]:
        reply = self.stub.Create(provider_pb2.CreateRequest(urn=urn(type_token, name), properties=_struct(props)))
        return reply.id, _plain(reply.properties)

    def read(self, type_token: str, name: str, id_: str, props: dict) -> tuple[str, dict, dict]:
        reply = self.stub.Read(provider_pb2.ReadRequest(id=id_, urn=urn(type_token, name), properties=_struct(props)))
        return reply.id, _plain(reply.properties), _plain(reply.inputs)

    def diff(self, type_token: str, name: str, id_: str, olds: dict, news: dict) -> provider_pb2.DiffResponse:
        return self.stub.Diff(
            provider_pb2.DiffRequest(id=id_, urn=urn(type_token, name), olds=_struct(olds), news=_struct(news))
        )

    def update(self, type_token: str, name: str, id_: str, olds: dict, news: dict) -> dict:
        reply = self.stub.Update(
            provider_pb2.UpdateRequest(id=id_, urn=urn(type_token, name), olds=_struct(olds), news=_struct(news))
        )
        return _plain(reply.properties)

    def delete(self, type_token: str, name: str, id_: str, props: dict) -> None:
        self.stub.Delete(provider_pb2.DeleteRequest(id=id_, urn=urn(type_token, name), properties=_struct(props)))


def provider_prop(provider: Any) -> str:
    """``__provider`` as the program process stores it (a plain string: not secret)."""
    return serialize_provider(provider)


UNKNOWN = rpc.UNKNOWN
DIFF_SOME = provider_pb2.DiffResponse.DIFF_SOME
DIFF_NONE = provider_pb2.DiffResponse.DIFF_NONE
