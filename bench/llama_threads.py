"""llama.cpp throughput on this machine: one context on every core against one context per core side by side.

Each run evaluates the same prompt and generates the same number of tokens with the packaged model; the
side-by-side run starts one process per core and counts their work together. On 2 cores the two come out
even (BENCHMARKS.md), so what `make evals --jobs 2` gains comes from elsewhere: one corpus's retrieval and
verification, single-threaded Python, run while the other's model writes.

    python bench/llama_threads.py [--prompt-tokens 500] [--tokens 64] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TEXT = "Machine learning engineers build models from data, test them and deploy them to production. "


def one_context(threads: int, prompt_tokens: int, tokens: int, rounds: int) -> dict:
    """Prompt evaluation and generation rates of one context, after a first round that loads the model."""
    from llama_cpp import Llama

    from advisor.config import get_settings
    from advisor.llm import ensure_local_model

    model = Llama(model_path=str(ensure_local_model(get_settings())), n_ctx=2048, n_threads=threads,
                  n_threads_batch=threads, n_batch=512, verbose=False)
    prompt = model.tokenize((TEXT * 60).encode())[:prompt_tokens]
    prompt_s = generate_s = 0.0
    for _ in range(rounds):
        model.reset()
        started = time.perf_counter()
        model.eval(prompt)
        prompt_s += time.perf_counter() - started
        started = time.perf_counter()
        for count, _token in enumerate(model.generate(prompt[-8:], temp=0.0, reset=True)):
            if count + 1 >= tokens:
                break
        generate_s += time.perf_counter() - started
    return {"prompt_tok_s": rounds * prompt_tokens / prompt_s, "generate_tok_s": rounds * tokens / generate_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prompt-tokens", type=int, default=500)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)  # a side-by-side worker
    args = parser.parse_args()
    if args.threads:
        print(json.dumps(one_context(args.threads, args.prompt_tokens, args.tokens, args.rounds)))
        return 0
    cores = os.cpu_count() or 2
    command = [sys.executable, __file__, "--prompt-tokens", str(args.prompt_tokens), "--tokens", str(args.tokens),
               "--rounds", str(args.rounds), "--threads"]
    alone = json.loads(subprocess.run(command + [str(cores)], capture_output=True, text=True, check=True).stdout)
    workers = [subprocess.Popen(command + ["1"], stdout=subprocess.PIPE, text=True) for _ in range(cores)]
    side = [json.loads(w.communicate()[0]) for w in workers]
    together = {k: sum(s[k] for s in side) for k in alone}
    print("| run | prompt tokens/s | generated tokens/s |\n|---|---|---|")
    print(f"| one context, {cores} threads | {alone['prompt_tok_s']:.0f} | {alone['generate_tok_s']:.1f} |")
    print(f"| {cores} contexts side by side, 1 thread each (sum) | {together['prompt_tok_s']:.0f} | "
          f"{together['generate_tok_s']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
