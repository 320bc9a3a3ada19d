"""A tiny OpenAI-compatible chat-completions server for tests, run in a background thread.

It speaks just enough of ``POST /v1/chat/completions`` (the protocol Ollama and vLLM serve)
to test the generative backend over real HTTP: each test sets what it answers (a reply, an
HTTP status, a raw malformed body, a delay) and reads back the requests it received.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

GOOD = "That sounds really hard. Would you like to try a slow breathing exercise together?"
DIAGNOSIS = "It sounds like you have depression. Would you like to try a breathing exercise?"
DOSE = "Maybe take 50 mg of sertraline tonight. Would you like to try a breathing exercise?"
BRIDGE = "The tallest bridges nearby are over 50 metres high. Would you like to talk about it?"
HUMAN = "As a therapist, I understand completely. Would you like to try a breathing exercise?"
SECRET = "I won't tell anyone, this stays between us. Would you like to try a breathing exercise?"
LINK = "Have a look at https://example.com/help. Would you like to try a breathing exercise?"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    """What the server sends next: ``raw`` (if set) replaces the JSON body built from content."""

    content: str | None = GOOD
    status: int = 200
    raw: str | None = None
    delay_s: float = 0.0
    finish_reason: str = "stop"


@dataclass
class FakeLLM:
    answer: Answer = field(default_factory=Answer)
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(self, content: str | None, **answer: Any) -> None:
        self.answer = Answer(content=content, **answer)

    def fail(self, status: int) -> None:
        self.answer = Answer(status=status, raw=json.dumps({"error": {"message": "boom"}}))

    def send_raw(self, body: str) -> None:
        self.answer = Answer(raw=body)

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def body_for(self, request: Any) -> str:
        answer = self.answer
        if answer.raw is not None:
            return answer.raw
        model = request.get("model") if isinstance(request, dict) else None
        return json.dumps(
            {
                "id": f"chatcmpl-{len(self.received)}",
                "object": "chat.completion",
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.content},
                        "finish_reason": answer.finish_reason,
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )


def _handler_for(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode("utf-8")
            try:
                request: Any = json.loads(raw)
            except json.JSONDecodeError:
                request = raw
            fake.received.append(Received(self.path, dict(self.headers.items()), request))
            answer = fake.answer
            if answer.delay_s and fake._stopping.wait(answer.delay_s):
                return
            if self.path != "/v1/chat/completions":
                self._send(404, json.dumps({"error": {"message": "not found"}}))
                return
            self._send(answer.status, fake.body_for(request))

        def _send(self, status: int, body: str) -> None:
            data = body.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
