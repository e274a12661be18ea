"""How advice answers open, on the tuning questions of ``evals/datasets/CORPUS-advice.yaml``.

The blind corpora's advice cases are the test (``python -m evals``); these are what a change to the
opening may be fitted on. Prints, per question, whether the first sentence gives the labelled career.
"""

from __future__ import annotations

import argparse

import yaml

from advisor.chain import Advisor
from advisor.config import get_settings
from evals.corpora import DATASETS, build_store, get_corpus
from evals.dataset import Case
from evals.metrics import opens_with_recommendation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", default="starter")
    parser.add_argument("--engine", default="extractive")
    args = parser.parse_args()
    items = yaml.safe_load((DATASETS / f"{args.corpus}-advice.yaml").read_text(encoding="utf-8"))
    careers = sorted({i["recommends"] for i in items} - {"depends"})
    advisor = Advisor(settings=build_store(get_corpus(args.corpus), get_settings()), engine=args.engine)
    opened = 0
    for item in items:
        case = Case(question=item["question"], category="advice", about=item.get("about", ""),
                    recommends=item["recommends"], deciding_trait=item.get("deciding_trait", ""))
        answer = advisor.ask(case.question, about=case.about)
        ok = opens_with_recommendation(answer.text, case, careers)
        opened += ok
        print(f"{'ok ' if ok else 'no '} {case.recommends:22} {answer.text.splitlines()[0][:140] if answer.text else ''}")
    print(f"{args.corpus} {args.engine}: opens with the recommendation {opened}/{len(items)}")


if __name__ == "__main__":
    main()
